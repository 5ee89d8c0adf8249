import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHANNELS } from '../../lib/frameworks/run/framework-options';
import { resolveTrainingConfig, type TrainingConfigInput } from '../../lib/frameworks/run/training-config';
import type { RunResults } from '../../lib/metrics/results';
import { trainLocally } from '../../lib/local/train-locally';

// ScatterReduce and AllReduce end to end through the real parts (local servers, the Lambda API
// emulator, each service's own handlers in separate processes), on every channel. Both average
// every element over the same workers in the same order (lib/comm/collective.ts), and the channel
// only carries bytes, so all eight runs must end with bit-identical parameters.

let runsDir: string;
beforeAll(() => { runsDir = mkdtempSync(path.join(os.tmpdir(), 'scatter-reduce-test-')); });
afterAll(() => rmSync(runsDir, { recursive: true, force: true }));

// Two workers and 8 steps keep each run to seconds (uneven chunks are tested in test/comm).
const base: TrainingConfigInput = { dataset: 'synthetic', model: 'mlp', workers: 2, epochs: 1, batchSize: 256, seed: 11, syncTimeoutSeconds: 60 };
const run = (framework: 'allreduce' | 'scatter-reduce', channel: (typeof CHANNELS)[number]) =>
  trainLocally({ framework, runsDir, config: resolveTrainingConfig({ ...base, channel }, { framework }) });

const results: Record<string, RunResults> = {};

test.each(CHANNELS)('on the %s channel, AllReduce and ScatterReduce end with the same parameters', async (channel) => {
  const allreduce = await run('allreduce', channel);
  const scatter = await run('scatter-reduce', channel);
  results[`allreduce/${channel}`] = allreduce;
  results[`scatter-reduce/${channel}`] = scatter;
  expect(scatter.final.paramsDigest).toBe(allreduce.final.paramsDigest);
  expect(scatter.framework).toBe('scatter-reduce');
  expect(scatter.config.channel).toBe(channel);
  expect(scatter.final.testAccuracy).toBeGreaterThan(0.6);
  // The gradients went through the channel: its own requests were counted.
  if (channel !== 's3') {
    expect(scatter.traffic.requests[channel]).toBeGreaterThan(20);
    expect(allreduce.traffic.requests[channel]).toBeGreaterThan(10);
  }
}, 300_000);

test('every channel gives the same parameters as every other', () => {
  const digests = new Set(Object.values(results).map((r) => r.final.paramsDigest));
  expect(Object.keys(results)).toHaveLength(8);
  expect(digests.size).toBe(1);
});
