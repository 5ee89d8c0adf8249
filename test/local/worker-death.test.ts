import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTrainingConfig } from '../../lib/frameworks/run/training-config';
import { LOCAL_BUCKET } from '../../lib/local/local-identity';
import type { LocalRuntime } from '../../lib/local/runtime';
import { LocalRunError, trainLocally } from '../../lib/local/train-locally';

// A worker process that dies ends the run at once, naming the worker, its function and the signal,
// instead of the others waiting out --sync-timeout (120 s here) and reporting a timeout.

jest.setTimeout(300_000);

let runsDir: string;
beforeAll(() => { runsDir = mkdtempSync(path.join(os.tmpdir(), 'worker-death-')); });
afterAll(() => rmSync(runsDir, { recursive: true, force: true }));

test('a SIGKILLed worker ends the run within 5 s with a message naming it, its function and the signal', async () => {
  const config = resolveTrainingConfig({ dataset: 'synthetic', model: 'mlp', workers: 2, epochs: 50, batchSize: 32, seed: 7, syncTimeoutSeconds: 120 }, { framework: 'allreduce' });
  let runtime: LocalRuntime | undefined;
  let killedAt = 0;
  const killer = setInterval(() => {
    const victim = runtime?.lambda.invocations().find((r) => r.functionKey === 'worker' && r.rank === 1 && r.status === 'running' && r.initMs !== undefined);
    if (victim?.pid && !killedAt && Date.now() - victim.startedAt - victim.initMs! > 1500) {
      process.kill(victim.pid, 'SIGKILL');
      killedAt = Date.now();
    }
  }, 100);
  const err = await trainLocally({ framework: 'allreduce', runsDir, config, onRuntime: (r) => { runtime = r; } }).catch((e: unknown) => e);
  const endedAt = Date.now();
  clearInterval(killer);
  expect(killedAt).toBeGreaterThan(0);
  expect(err).toBeInstanceOf(LocalRunError);
  expect((err as Error).message).toMatch(/^run allreduce-\S+ failed: worker rank 1 \(function mltrain-allreduce-local-worker, pid \d+\) was killed by SIGKILL before returning$/);
  expect(endedAt - killedAt).toBeLessThan(5000);
  // As on AWS, the failed asynchronous invocation went to the worker's on-failure destination
  // (runFailed), which marked the run failed in the bucket with the function, rank and signal.
  const { runId } = err as LocalRunError;
  const failed = JSON.parse(readFileSync(path.join(runsDir, '.s3', LOCAL_BUCKET, 'runs', runId, 'status', 'failed.json._S3rver_object'), 'utf8'));
  expect(failed).toMatchObject({
    reason: expect.stringMatching(/^function mltrain-allreduce-local-worker rank 1 failed after 1 attempt \(RetriesExhausted\): Runtime\.ExitError: .*SIGKILL/),
    detectedBy: 'on-failure destination',
  });
});
