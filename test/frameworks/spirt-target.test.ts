import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SpirtDeps } from '../../lib/frameworks/spirt/deps';
import { startSpirtRun } from '../../lib/frameworks/spirt/steps/trigger';
import { resolveTrainingConfig } from '../../lib/frameworks/run/training-config';
import { trainLocally } from '../../lib/local/train-locally';

// SPIRT's stopping target (--target-accuracy / --target-loss with --patience) ends a run early,
// through the real parts (a redis-server with the tensor module per peer, the local Step Functions
// API, the service's handlers), and the results say why and where.

jest.setTimeout(400_000);

let runsDir: string;
beforeAll(() => { runsDir = mkdtempSync(path.join(os.tmpdir(), 'spirt-target-')); });
afterAll(() => rmSync(runsDir, { recursive: true, force: true }));

test('a run whose peers reach the target accuracy for --patience rounds stops there and says so', async () => {
  // Two peers × 2 batches × 32 rows: 28 rounds an epoch, 84 for the three epochs configured.
  const config = resolveTrainingConfig({
    dataset: 'synthetic', model: 'mlp', workers: 2, batches: 2, epochs: 3, batchSize: 32, seed: 5, syncTimeoutSeconds: 30, targetAccuracy: 0.6, patience: 2,
  }, { framework: 'spirt' });
  const results = await trainLocally({ framework: 'spirt', runsDir, config });
  const details = results.details as { stopReason: string; stoppedAtRound: number; stoppedAtEpoch: number };
  expect(details.stopReason).toBe('target-accuracy');
  expect(details.stoppedAtEpoch).toBe(1);
  expect(details.stoppedAtRound).toBeGreaterThanOrEqual(2); // patience 2: never before the second round
  expect(details.stoppedAtRound).toBeLessThan(28);
  expect(results.epochs).toHaveLength(1);
  expect(results.final.testAccuracy).toBeGreaterThan(0.55);
});

test('the trigger refuses batches the deployed state machine was not generated for, naming both', async () => {
  const deps = { deployedBatches: 4, store: { load: () => { throw new Error('the bucket must not be read'); } } } as unknown as SpirtDeps;
  await expect(startSpirtRun({ config: { batches: 8, workers: 2 } }, deps)).rejects.toThrow(
    'invalid trigger event config: batches 8 does not match the deployed round state machine, generated for 4 parallel batches (run with batches 4, or deploy again with --param batches=8)',
  );
});
