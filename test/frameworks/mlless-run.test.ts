import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MllessRunDetails } from '../../lib/frameworks/mlless/reports';
import { resolveTrainingConfig, type TrainingConfigInput } from '../../lib/frameworks/run/training-config';
import type { LocalRuntime } from '../../lib/local/runtime';
import { LocalRunError, trainLocally } from '../../lib/local/train-locally';
import type { RunResults } from '../../lib/metrics/results';
import { handOverLimitSeconds } from '../helpers/hand-over-limit';

// MLLESS end to end through the real parts: redis-server, local-aws-sqs with the service's queues,
// s3rver, the Lambda API emulator running trigger, supervisor and workers in their own processes.
// Synthetic data keeps each run to seconds of training.

let runsDir: string;
beforeAll(() => { runsDir = mkdtempSync(path.join(os.tmpdir(), 'mlless-test-')); });
afterAll(() => rmSync(runsDir, { recursive: true, force: true }));

const EPOCHS = 2; // of 64 steps
const base: TrainingConfigInput = {
  dataset: 'synthetic', model: 'mlp', workers: 2, epochs: EPOCHS, batchSize: 32, seed: 7, syncTimeoutSeconds: 60, variant: 'significant', threshold: 3,
};
const run = (framework: 'mlless' | 'allreduce', over: TrainingConfigInput = {}, extra: Partial<Parameters<typeof trainLocally>[0]> = {}) =>
  trainLocally({ framework, runsDir, config: resolveTrainingConfig({ ...base, ...over }, { framework }), ...extra });
const details = (r: RunResults) => r.details as unknown as MllessRunDetails;
const logLines = (runId: string, fn: string) => readFileSync(path.join(runsDir, runId, 'logs', `${fn}.jsonl`), 'utf8')
  .split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

let significant: RunResults;

test('the significant variant trains, sends far fewer update bytes than dense, counts traffic per store, and shrugs off malformed messages', async () => {
  const runId = 'mlless-test-significant';
  let injected: Promise<void> | undefined;
  const inject = (runtime: LocalRuntime) => {
    const sqs = new SQSClient({ region: 'us-east-1', endpoint: runtime.servers.servers.sqs!.endpoint, credentials: { accessKeyId: 't', secretAccessKey: 't' } });
    const refs = runtime.resources[0].refs;
    const send = (queue: string, body: unknown) => sqs.send(new SendMessageCommand({ QueueUrl: refs[queue], MessageBody: typeof body === 'string' ? body : JSON.stringify(body) }));
    const report = { kind: 'step', runId, rank: 0, step: 1, loss: 1, samples: 1, updateKey: null, updateEntries: 0, updateBytes: 0 };
    injected = (async () => {
      await send('MllessSupervisorQueue', 'not json at all');
      await send('MllessSupervisorQueue', { kind: 'step', runId, rank: 0 });
      await send('MllessSupervisorQueue', { ...report, runId: 'another-run' });
      await send('MllessSupervisorQueue', { ...report, rank: 9 });
      await send('MllessWorkerQueue1', '{"kind":"decision"');
      // A stop for another run must not stop this one.
      await send('MllessWorkerQueue1', { kind: 'decision', runId: 'another-run', step: 1, updateKeys: [], stop: true });
    })().finally(() => sqs.destroy());
  };
  significant = await run('mlless', {}, { runId, onRuntime: inject });
  await injected;

  expect(significant.final.testAccuracy).toBeGreaterThan(0.85);
  expect(significant.epochs).toHaveLength(EPOCHS);
  expect(significant.epochs[EPOCHS - 1].trainLoss).toBeLessThan(significant.epochs[0].trainLoss);
  const d = details(significant);
  expect(d).toMatchObject({ variant: 'significant', threshold: 3, stopReason: 'epochs', steps: EPOCHS * 64, stepsPerEpoch: 64 });
  expect(d.lossHistory).toHaveLength(EPOCHS * 64);
  expect(d.updates.fractionOfDense).toBeLessThan(0.5);
  expect(d.updates.bytes).toBe(significant.traffic.bytesByKind!.redis.written);
  expect(significant.traffic.bytesByKind!.redis.read).toBeGreaterThan(d.updates.bytes); // each update is read by every worker
  expect(significant.traffic.requests.sqs).toBeGreaterThan(4 * EPOCHS * 64); // a report and a decision per worker per step, at least
  expect(significant.invocations.byFunction).toMatchObject({ trigger: { count: 1 }, supervisor: { count: 1 }, worker: { count: 2 } });

  const warnings = (fn: string) => logLines(runId, fn).filter((l) => l.level === 'warn').map((l) => `${l.message} ${l.queue ?? ''}`.trim());
  expect(warnings('supervisor')).toEqual(expect.arrayContaining([
    'rejected a malformed message mltrain-mlless-local-supervisor',
    'dropped a message of another run',
    'rejected a report from a worker the run does not have',
  ]));
  expect(warnings('supervisor').filter((w) => w.startsWith('rejected a malformed message'))).toHaveLength(2);
  expect(warnings('worker')).toEqual(expect.arrayContaining(['rejected a malformed message mltrain-mlless-local-worker-1', 'dropped a message of another run']));
}, 300_000);

test('workers and supervisor hand over to new invocations before a short time limit and end with the same model', async () => {
  expect(significant).toBeDefined();
  const limit = handOverLimitSeconds(significant, 'worker');
  const limited = await run('mlless', {}, { timeoutOverrides: { worker: limit, supervisor: limit } });
  expect(limited.invocations.byFunction.worker.count).toBeGreaterThan(2);
  expect(limited.invocations.byFunction.supervisor.count).toBeGreaterThan(1);
  expect(limited.final.paramsDigest).toBe(significant.final.paramsDigest);
  expect(details(limited).updates).toEqual(details(significant).updates);
}, 300_000);

test('the all variant sends every update in full and ends with exactly the model AllReduce trains', async () => {
  const config = { epochs: 1, batchSize: 64 };
  const allreduce = await run('allreduce', { ...config, variant: undefined, threshold: undefined });
  const all = await run('mlless', { ...config, variant: 'all' });
  expect(all.final.paramsDigest).toBe(allreduce.final.paramsDigest);
  expect(details(all).updates).toMatchObject({ sent: 2 * 32, fractionOfDense: 1 });
}, 300_000);

test('the supervisor stops the run when the loss stays under the target, and every worker stops with it', async () => {
  const stopped = await run('mlless', { targetLoss: 0.8, patience: 3 });
  const d = details(stopped);
  expect(d.stopReason).toBe('target-loss');
  expect(d.steps).toBeLessThan(64); // within the first epoch
  expect(d.lossHistory.slice(-3).every((l) => l < 0.8)).toBe(true);
  expect(d.lossHistory.slice(0, -3).every((l) => l >= 0.8) || d.lossHistory.slice(-4, -3)[0] >= 0.8).toBe(true);
  expect(stopped.epochs).toHaveLength(1); // the partial first epoch is evaluated
  expect(stopped.final.testAccuracy).toBeGreaterThan(0.5);
}, 300_000);

test('a worker killed mid-run makes the supervisor fail the run naming it, within the sync timeout', async () => {
  let runtime: LocalRuntime | undefined;
  let killedAt = 0;
  const runId = 'mlless-test-killed';
  let checking = false;
  const killer = setInterval(() => {
    if (!runtime || checking || killedAt) return;
    checking = true;
    // Once worker 1 is well into training (its first epoch is done), kill it.
    runtime.store().load(`runs/${runId}/progress/0001/rank-1.json`).then((progress) => {
      const victim = runtime!.lambda.invocations().find((r) => r.functionKey === 'worker' && r.rank === 1 && r.status === 'running');
      if (progress && victim?.pid && !killedAt) {
        process.kill(victim.pid, 'SIGKILL');
        killedAt = Date.now();
      }
    }).catch(() => undefined).finally(() => { checking = false; });
  }, 200);
  const err = await run('mlless', { epochs: 50, batchSize: 64, syncTimeoutSeconds: 3 }, { runId, endOnProcessDeath: false, onRuntime: (r) => { runtime = r; } }).catch((e: unknown) => e);
  clearInterval(killer);
  expect(killedAt).toBeGreaterThan(0);
  expect(err).toBeInstanceOf(LocalRunError);
  expect((err as Error).message).toMatch(/worker 1 sent no report for step \d+ within 3 s \(detected by supervisor\)/);
  expect(Date.now() - killedAt).toBeLessThan(20_000);
}, 300_000);
