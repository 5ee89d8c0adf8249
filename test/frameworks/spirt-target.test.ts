import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SpirtDeps } from '../../lib/frameworks/spirt/deps';
import { startSpirtRun } from '../../lib/frameworks/spirt/steps/trigger';
import { resolveTrainingConfig } from '../../lib/frameworks/run/training-config';
import { trainLocally } from '../../lib/local/train-locally';
import type { RunResults } from '../../lib/metrics/results';

// SPIRT's stopping target (--target-accuracy / --target-loss with --patience) ends a run early,
// through the real parts (a redis-server with the tensor module per peer, the local Step Functions
// API, the service's handlers), and the results say why and where.

jest.setTimeout(400_000);

let runsDir: string;
let results: RunResults;
beforeAll(async () => {
  runsDir = mkdtempSync(path.join(os.tmpdir(), 'spirt-target-'));
  // Two peers × 2 batches × 32 rows: 28 rounds an epoch, 84 for the three epochs configured.
  const config = resolveTrainingConfig({
    dataset: 'synthetic', model: 'mlp', workers: 2, batches: 2, epochs: 3, batchSize: 32, seed: 5, syncTimeoutSeconds: 30, targetAccuracy: 0.6, patience: 2,
  }, { framework: 'spirt' });
  results = await trainLocally({ framework: 'spirt', runsDir, config });
}, 400_000);
afterAll(() => rmSync(runsDir, { recursive: true, force: true }));

/** The JSON lines of one function's log in the run's logs folder. */
function logOf(fn: string): Record<string, unknown>[] {
  return readFileSync(path.join(runsDir, results.runId, 'logs', `${fn}.jsonl`), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('a run whose peers reach the target accuracy for --patience rounds stops there and says so', () => {
  const details = results.details as { stopReason: string; stoppedAtRound: number; stoppedAtEpoch: number };
  expect(details.stopReason).toBe('target-accuracy');
  expect(details.stoppedAtEpoch).toBe(1);
  expect(details.stoppedAtRound).toBeGreaterThanOrEqual(2); // patience 2: never before the second round
  expect(details.stoppedAtRound).toBeLessThan(28);
  expect(results.epochs).toHaveLength(1);
  expect(results.final.testAccuracy).toBeGreaterThan(0.55);
});

test("each peer warms the round's functions before its round 1, so no state of a round waits for a cold start", () => {
  const warmed = logOf('init_peers').filter((l) => l.message === 'round functions warmed');
  expect(warmed.map((l) => [l.peer, l.invocations, l.failed]).sort()).toEqual([[0, 9, []], [1, 9, []]]); // 7 states + 2 batches
  // Cold starts happen in the warm-ups only: one sandbox per peer and state (per batch for the
  // gradients), each ended before that peer's init_model (which starts its round 1) ended. Per
  // peer: the peers warm up concurrently, so one peer's round 1 may begin while the other still warms.
  const reports = (fn: string, peer: number) => logOf(fn).filter((l) => l.message === 'REPORT' && l.worker === `peer ${peer}`);
  expect(logOf('compute_gradients').filter((l) => l.message === 'REPORT').length).toBeGreaterThan(8); // warm-ups and at least two rounds
  for (const peer of [0, 1]) {
    const round1 = Math.min(...reports('init_model', peer).map((l) => Date.parse(l.time as string)));
    expect(round1).toBeLessThan(Infinity);
    for (const fn of ['compute_gradients', 'auth', 'Trigger_Average_Gradient_sync', 'check_heartbeat', 'Aggregation', 'Trigger_update_model', 'check-convergence', 'Update_Trigger_Next_epoch']) {
      const cold = reports(fn, peer).filter((l) => l.warm === false);
      const late = cold.filter((l) => Date.parse(l.time as string) >= round1).map((l) => l.time);
      expect({ peer, fn, coldStarts: cold.length, late }).toEqual({ peer, fn, coldStarts: fn === 'compute_gradients' ? 2 : 1, late: [] });
    }
  }
});

test('the trigger refuses batches the deployed state machine was not generated for, naming both', async () => {
  const deps = { deployedBatches: 4, store: { load: () => { throw new Error('the bucket must not be read'); } } } as unknown as SpirtDeps;
  await expect(startSpirtRun({ config: { batches: 8, workers: 2 } }, deps)).rejects.toThrow(
    'invalid trigger event config: batches 8 does not match the deployed round state machine, generated for 4 parallel batches (run with batches 4, or deploy again with --param batches=8)',
  );
});
