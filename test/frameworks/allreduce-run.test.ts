import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTrainingConfig, type TrainingConfigInput } from '../../lib/frameworks/run/training-config';
import type { LocalRuntime } from '../../lib/local/runtime';
import { LocalRunError, trainLocally } from '../../lib/local/train-locally';
import { handOverLimitSeconds } from '../helpers/hand-over-limit';
import { expectedModelEngine } from '../helpers/model-engine';

// AllReduce end to end through the real parts: s3rver, the Lambda API emulator, the service's own
// handlers in separate processes. Synthetic data keeps each run to a few seconds.

// Each run starts servers and worker processes: on a loaded 2-core machine one takes minutes.
jest.setTimeout(300_000);

let runsDir: string;
beforeAll(() => { runsDir = mkdtempSync(path.join(os.tmpdir(), 'allreduce-test-')); });
afterAll(() => rmSync(runsDir, { recursive: true, force: true }));

const base: TrainingConfigInput = { dataset: 'synthetic', model: 'mlp', workers: 2, epochs: 2, batchSize: 32, seed: 7, syncTimeoutSeconds: 30 };
const run = (over: TrainingConfigInput = {}, extra: Partial<Parameters<typeof trainLocally>[0]> = {}) =>
  trainLocally({ framework: 'allreduce', runsDir, config: resolveTrainingConfig({ ...base, ...over }, { framework: 'allreduce' }), ...extra });

test('trains to high accuracy and writes the results file', async () => {
  const results = await run();
  expect(results.final.testAccuracy).toBeGreaterThan(0.85);
  expect(results.epochs).toHaveLength(2);
  expect(results.epochs[1].trainLoss).toBeLessThan(results.epochs[0].trainLoss);
  expect(results.backend).toBe(expectedModelEngine());
  expect(results.final.paramsDigest).toMatch(/^[0-9a-f]{64}$/);
  // one trigger + one invocation per worker; both workers moved gradients through S3
  expect(results.invocations.byFunction).toMatchObject({ trigger: { count: 1 }, worker: { count: 2 } });
  // Both workers started cold: their init phases are counted apart, and are part of their seconds.
  const worker = results.invocations.byFunction.worker;
  expect(worker.initSeconds).toBeGreaterThan(0);
  expect(worker.initSeconds).toBeLessThan(worker.seconds);
  expect(results.traffic.requests.s3).toBeGreaterThan(100);
  expect(results.traffic.bytesWritten).toBeGreaterThan(0);
  expect(results.cost.usd).toBeGreaterThan(0);
  const file = JSON.parse(readFileSync(path.join(runsDir, results.runId, 'results.json'), 'utf8'));
  for (const key of ['runId', 'framework', 'config', 'startedAt', 'wallSeconds', 'epochs', 'final', 'traffic', 'cost']) expect(file).toHaveProperty(key);
  for (const key of ['epoch', 'seconds', 'trainLoss', 'testLoss', 'testAccuracy', 'computeSeconds', 'syncSeconds', 'updateSeconds']) expect(file.epochs[0]).toHaveProperty(key);
  expect(file.traffic.requests).toHaveProperty('lambdaInvocations', 3);
});

test('the same seed gives the same final parameters; another seed does not', async () => {
  const small = { epochs: 1, trainSamples: 1024 }; // 16 steps are as deterministic as 64
  const a = await run(small);
  const b = await run(small);
  const c = await run({ ...small, seed: 8 });
  expect(b.final.paramsDigest).toBe(a.final.paramsDigest);
  expect(c.final.paramsDigest).not.toBe(a.final.paramsDigest);
});

test('workers hand over to new invocations before a short time limit and end with the same model', async () => {
  const config = { epochs: 2, batchSize: 16 };
  const unconstrained = await run(config);
  const limited = await run(config, { timeoutOverrides: { worker: handOverLimitSeconds(unconstrained, 'worker') } });
  expect(limited.invocations.byFunction.worker.count).toBeGreaterThan(2); // at least one hand-over
  expect(limited.final.paramsDigest).toBe(unconstrained.final.paramsDigest);
}, 400_000);

test('a worker killed mid-run fails the run with a message naming it, without hanging', async () => {
  let runtime: LocalRuntime | undefined;
  let killedAt = 0;
  const killer = setInterval(() => {
    const victim = runtime?.lambda.invocations().find((r) => r.functionKey === 'worker' && r.rank === 1 && r.status === 'running');
    // Let it get going (dataset loaded, steps taken) before killing it.
    if (victim?.pid && Date.now() - victim.startedAt > 2500) {
      process.kill(victim.pid, 'SIGKILL');
      killedAt = Date.now();
      clearInterval(killer);
    }
  }, 100);
  const err = await run({ epochs: 50, syncTimeoutSeconds: 3 }, { endOnProcessDeath: false, onRuntime: (r) => { runtime = r; } }).catch((e: unknown) => e);
  clearInterval(killer);
  expect(err).toBeInstanceOf(LocalRunError);
  expect((err as Error).message).toMatch(/worker 1 sent no gradient for e\d+\/b\d+ within 3 s/);
  // Measured from the kill, not from the start: starting four workers on a loaded machine takes
  // its own time; what matters is that the 3 s sync timeout ends the run, not the 50 epochs.
  expect(killedAt).toBeGreaterThan(0);
  expect(Date.now() - killedAt).toBeLessThan(25_000);
});
