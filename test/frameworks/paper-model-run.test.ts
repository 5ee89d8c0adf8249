import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTrainingConfig, type TrainingConfigInput } from '../../lib/frameworks/run/training-config';
import { trainLocally } from '../../lib/local/train-locally';

// A paper model through two frameworks on the real local stack: AllReduce and ScatterReduce
// average the same gradients in the same order, so they must end with the same parameters. On
// the native backend the paper models run on tfjs (wasm), as createModel routes them.

jest.setTimeout(300_000);

let runsDir: string;
beforeAll(() => { runsDir = mkdtempSync(path.join(os.tmpdir(), 'paper-model-run-')); });
afterAll(() => rmSync(runsDir, { recursive: true, force: true }));

const input: TrainingConfigInput = {
  dataset: 'synthetic-images', model: 'mobilenetv3-small', workers: 2, epochs: 1, batchSize: 16,
  trainSamples: 64, testSamples: 32, seed: 7, syncTimeoutSeconds: 120,
};

test('mobilenetv3-small ends with the same parameters under allreduce and scatter-reduce', async () => {
  const digests: string[] = [];
  for (const framework of ['allreduce', 'scatter-reduce'] as const) {
    const config = resolveTrainingConfig(input, { framework });
    const results = await trainLocally({ framework, runsDir, config });
    expect(results.final.paramsDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(Number.isFinite(results.final.testLoss)).toBe(true);
    digests.push(results.final.paramsDigest);
  }
  expect(digests[1]).toBe(digests[0]);
});
