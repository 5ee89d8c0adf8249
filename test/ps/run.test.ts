import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTrainingConfig, type TrainingConfigInput } from '../../lib/frameworks/run/training-config';
import { listTracked } from '../../lib/local/processes';
import type { LocalRuntime } from '../../lib/local/runtime';
import { LocalRunError, trainLocally } from '../../lib/local/train-locally';
import { handOverLimitSeconds } from '../helpers/hand-over-limit';
import { eventually, isProcessGone } from '../local/servers/helpers';

// mltrain run ps end to end through the real parts: the parameter server process, s3rver, the
// Lambda API emulator and the service's own handlers. Synthetic data keeps each run short.

let runsDir: string;
beforeAll(() => { runsDir = mkdtempSync(path.join(os.tmpdir(), 'ps-run-test-')); });
afterAll(() => rmSync(runsDir, { recursive: true, force: true }));

// 2 epochs of 128 steps (the hand-over below trains 10).
const EPOCHS = 2;
const base: TrainingConfigInput = { dataset: 'synthetic', model: 'mlp', workers: 2, epochs: EPOCHS, batchSize: 16, seed: 7, syncTimeoutSeconds: 30 };
const run = (framework: string, over: TrainingConfigInput = {}, extra: Partial<Parameters<typeof trainLocally>[0]> = {}) =>
  trainLocally({ framework, runsDir, config: resolveTrainingConfig({ ...base, ...over }, { framework: framework as 'ps' }), ...extra });

let serverPid: number | undefined;
const remember = (runtime: LocalRuntime) => {
  serverPid = (runtime.servers.servers['parameter-server'] as unknown as { pid: number }).pid;
};

test('trains to the same model as AllReduce, also when workers hand over, and stops its server', async () => {
  const ps = await run('ps', {}, { onRuntime: remember });
  expect(serverPid).toBeGreaterThan(0);
  expect(await eventually(() => isProcessGone(serverPid!), 5000)).toBe(true);
  expect(ps.final.testAccuracy).toBeGreaterThan(0.85);
  expect(ps.epochs).toHaveLength(EPOCHS);
  expect(ps.epochs[EPOCHS - 1].trainLoss).toBeLessThan(ps.epochs[0].trainLoss);
  expect(ps.invocations.byFunction).toMatchObject({ trigger: { count: 1 }, worker: { count: 2 } });
  // Per step and worker: one pull and one push (+ a register each, rank 0's evaluation pulls are cached).
  expect(ps.traffic.requests.parameterServer).toBe(2 * (2 * EPOCHS * 128 + 1) + 2);
  expect(ps.traffic.bytesRead).toBeGreaterThan(2 * EPOCHS * 128 * ps.final.numParams * 4);
  const log = readFileSync(path.join(runsDir, ps.runId, 'logs', 'parameter-server.jsonl'), 'utf8');
  expect(log).toContain('"message":"model created"');
  expect(log).toContain('"message":"model deleted"'); // rank 0 drops the model at the end

  // The server applies the same mean with the same optimizer AllReduce's workers do: same bits.
  const allreduce = await run('allreduce');
  expect(ps.final.paramsDigest).toBe(allreduce.final.paramsDigest);

  // The hand-over needs a run longer than the shortest limit: with the native engine an invocation of
  // the 2-epoch run took 1.1 s (2026-12-04); 10 epochs took 3.8 s.
  const long = await run('ps', { epochs: 10 });
  const limited = await run('ps', { epochs: 10 }, { timeoutOverrides: { worker: handOverLimitSeconds(long, 'worker') } });
  expect(limited.invocations.byFunction.worker.count).toBeGreaterThan(2); // at least one hand-over
  expect(limited.final.paramsDigest).toBe(long.final.paramsDigest);
  expect(existsSync(path.join(runsDir, '.s3', 'mltrain-local', 'runs', limited.runId, 'checkpoints'))).toBe(false);
}, 400_000);

test('a worker killed mid-run fails the run with a message naming it, without hanging, and nothing keeps running', async () => {
  let runtime: LocalRuntime | undefined;
  const runId = 'ps-killed-worker';
  const serverLog = path.join(runsDir, runId, 'logs', 'parameter-server.jsonl');
  let joinedAt: number | undefined;
  const killer = setInterval(() => {
    // Let worker 1 get going (registered with the server, steps taken) before killing it.
    if (!joinedAt && existsSync(serverLog) && /"rank":1,"version"/.test(readFileSync(serverLog, 'utf8'))) joinedAt = Date.now();
    const victim = runtime?.lambda.invocations().find((r) => r.functionKey === 'worker' && r.rank === 1 && r.status === 'running');
    if (victim?.pid && joinedAt && Date.now() - joinedAt > 1000) {
      process.kill(victim.pid, 'SIGKILL');
      clearInterval(killer);
    }
  }, 100);
  const t0 = Date.now();
  const err = await run('ps', { epochs: 50, syncTimeoutSeconds: 3 }, { runId, endOnProcessDeath: false, onRuntime: (r) => { runtime = r; remember(r); } }).catch((e: unknown) => e);
  clearInterval(killer);
  expect(err).toBeInstanceOf(LocalRunError);
  expect((err as Error).message).toMatch(/^run ps-killed-worker failed: parameter server: worker 1 sent no gradient for step [1-9]\d* within 3 s \(run ps-killed-worker, worker 0 waited for version \d+\) \(detected by worker 0\)$/);
  expect(Date.now() - t0).toBeLessThan(30_000);
  expect(await eventually(() => isProcessGone(serverPid!), 5000)).toBe(true);
  expect(listTracked()).toEqual({ children: [], stoppables: [] });
}, 60_000);
