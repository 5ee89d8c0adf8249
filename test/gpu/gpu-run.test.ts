import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTrainingConfig, type TrainingConfigInput } from '../../lib/frameworks/run/training-config';
import { LOCAL_BUCKET } from '../../lib/local/runtime';
import { LocalRunError, trainLocally } from '../../lib/local/train-locally';
import { decodeTensor } from '../../lib/ml/tensor';
import { expectedModelEngine } from '../helpers/model-engine';

// The GPU baseline end to end through the real parts: s3rver, the service's trigger handler in the
// Lambda emulator, and the trainer (gpu/job.ts) as a process of the runtime's job server.

let runsDir: string;
beforeAll(() => { runsDir = mkdtempSync(path.join(os.tmpdir(), 'gpu-test-')); });
afterAll(() => rmSync(runsDir, { recursive: true, force: true }));

const base: TrainingConfigInput = { dataset: 'synthetic', model: 'mlp', workers: 2, epochs: 1, batchSize: 64, seed: 7 };
const run = (framework: 'gpu' | 'allreduce', over: TrainingConfigInput = {}) =>
  trainLocally({ framework, runsDir, config: resolveTrainingConfig({ ...base, ...over }, { framework }) });

/** The final parameters the run left in the local bucket (s3rver keeps objects as files). */
const finalModel = (runId: string) =>
  decodeTensor(readFileSync(path.join(runsDir, '.s3', LOCAL_BUCKET, 'runs', runId, 'model', 'final.f32._S3rver_object')));

test('trains the model AllReduce trains, with the same hyperparameters, in one process', async () => {
  const gpu = await run('gpu');
  const allreduce = await run('allreduce');
  // Same initial model, same rows per step, same learning rate: the same model up to float rounding.
  const a = finalModel(gpu.runId);
  const b = finalModel(allreduce.runId);
  expect(a.length).toBe(b.length);
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  expect(maxDiff).toBeLessThan(1e-5); // measured 9e-8
  expect(gpu.final.testAccuracy).toBeGreaterThan(0.85);
  expect(Math.abs(gpu.final.testLoss - allreduce.final.testLoss)).toBeLessThan(1e-4);

  // One trigger invocation; the trainer is a job, priced as the g4dn.xlarge it stands for.
  expect(gpu.invocations.byFunction).toEqual({ trigger: expect.objectContaining({ count: 1 }) });
  expect(gpu.backend).toBe(expectedModelEngine());
  expect(gpu.epochs[0].syncSeconds).toBe(0);
  expect(gpu.cost.breakdown.ec2).toBeCloseTo(0.526 * gpu.wallSeconds / 3600, 8);
  expect(gpu.traffic.bytesRead).toBeGreaterThan(4096 * 32 * 4); // the whole training set, read once

  const log = readFileSync(path.join(runsDir, gpu.runId, 'logs', 'trainer.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(log.find((l) => l.message === 'trainer started')).toMatchObject({ runId: gpu.runId, rowsPerStep: 128, backend: expectedModelEngine() });
  expect(log.find((l) => l.message === 'epoch finished')).toMatchObject({ epoch: 1, testAccuracy: gpu.final.testAccuracy });
  expect(log[log.length - 1]).toMatchObject({ message: 'JOB END', exitCode: 0 });
}, 120_000);

test('a trainer that fails marks the run failed, and the local run says why instead of hanging', async () => {
  process.env.MLTRAIN_TF_BACKEND = 'tfjs-node'; // not installed here: the trainer cannot start
  try {
    const t0 = Date.now();
    const err = await run('gpu', { seed: 8 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LocalRunError);
    expect((err as Error).message).toMatch(/failed: backend tfjs-node requested but tfjs-node-gpu not loadable .*tfjs-node not loadable .*\(detected by gpu trainer\)/);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(existsSync(path.join((err as LocalRunError).runDir, 'logs', 'trainer.jsonl'))).toBe(true);
  } finally {
    delete process.env.MLTRAIN_TF_BACKEND;
  }
}, 60_000);
