import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toTrainingConfig } from '../../lib/cli/options';
import { CHANNELS } from '../../lib/frameworks/run/framework-options';
import { resolveTrainingConfig } from '../../lib/frameworks/run/training-config';
import { trainLocally } from '../../lib/local/train-locally';

// `mltrain run allreduce --sync async` through the real parts on every channel: the workers step on
// a shared model without a barrier (bounded staleness on two channels), and still end with one
// model (every worker settles on the same final shared model) that has learned.

let runsDir: string;
beforeAll(() => { runsDir = mkdtempSync(path.join(os.tmpdir(), 'allreduce-async-')); });
afterAll(() => rmSync(runsDir, { recursive: true, force: true }));

// s3 without a bound and redis with one keep `npm test` short; memcached and dynamodb ran the same
// test on 2026-12-03 (MLTRAIN_ASYNC_ALL_CHANNELS=1 runs all four).
const channels = process.env.MLTRAIN_ASYNC_ALL_CHANNELS ? CHANNELS : (['s3', 'redis'] as const);

test.each(channels.map((channel, i) => [channel, i % 2 === 0 ? undefined : 1] as const))('async SGD on the %s channel (staleness %s) trains one model', async (channel, staleness) => {
  const config = resolveTrainingConfig({
    dataset: 'synthetic', model: 'mlp', workers: 2, epochs: 1, batchSize: 256, seed: 11, syncTimeoutSeconds: 60, channel, sync: 'async', staleness,
  }, { framework: 'allreduce' });
  const results = await trainLocally({ framework: 'allreduce', runsDir, config });
  expect(results.config).toMatchObject({ sync: 'async', channel });
  expect(results.final.testAccuracy).toBeGreaterThan(0.6);
  if (channel !== 's3') expect(results.traffic.requests[channel]).toBeGreaterThan(10);
}, 300_000);

test('--staleness needs --sync async, and scatter-reduce refuses both, saying why it has no async form', () => {
  expect(() => resolveTrainingConfig({ staleness: 2 }, { framework: 'allreduce' })).toThrow('staleness needs sync async');
  const why = 'scatter-reduce has no asynchronous form: each chunk is averaged by the worker that owns it, which every worker waits for at every step (async SGD is allreduce --sync async)';
  const refusal = (opts: Record<string, unknown>) => { try { toTrainingConfig(opts, 'scatter-reduce'); } catch (err) { return (err as Error).message; } };
  expect(refusal({ sync: 'async' })).toBe(`invalid options: --sync does not apply to scatter-reduce (only to allreduce): ${why}`);
  // Said once when both are given.
  expect(refusal({ sync: 'async', staleness: 1 }))
    .toBe(`invalid options: --sync does not apply to scatter-reduce (only to allreduce): ${why}; --staleness does not apply to scatter-reduce (only to allreduce)`);
});
