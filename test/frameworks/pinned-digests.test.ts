import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTrainingConfig, type TrainingConfigInput } from '../../lib/frameworks/run/training-config';
import { trainLocally } from '../../lib/local/train-locally';

// Pins each framework's final paramsDigest on synthetic data, measured on the code before the
// issue-16 restructuring: moving code between files must not change what any framework computes.
// allreduce, scatter-reduce and ps average the same gradients in the same order: one digest.
// Smallest hand-over-free runs through the real local stack (2 workers, 1 epoch, few large batches).

jest.setTimeout(300_000);

let runsDir: string;
beforeAll(() => { runsDir = mkdtempSync(path.join(os.tmpdir(), 'pinned-digests-')); });
afterAll(() => rmSync(runsDir, { recursive: true, force: true }));

const base: TrainingConfigInput = { dataset: 'synthetic', model: 'mlp', workers: 2, epochs: 1, batchSize: 256, seed: 7, syncTimeoutSeconds: 60 };
const settings: Record<string, TrainingConfigInput> = {
  allreduce: {},
  'scatter-reduce': {},
  ps: {},
  mlless: {},
  spirt: { batches: 1, batchSize: 32 },
  gpu: {},
};
const PINNED: Record<string, string> = {
  allreduce: '2bbb257b09605d78ae045cf914d66410bea4ea8deadc2f6d14a552d69e3743fe',
  'scatter-reduce': '2bbb257b09605d78ae045cf914d66410bea4ea8deadc2f6d14a552d69e3743fe',
  ps: '2bbb257b09605d78ae045cf914d66410bea4ea8deadc2f6d14a552d69e3743fe',
  mlless: '2e65607255cdc4a2abb64b85058929481ab5a14b8f189cebf484b45f1795b2e4',
  spirt: 'dcccf3a54ec653bb6112be76c545f4a0f89ef66849beba6da816e2b10fd1aab7',
  gpu: '922f8f4b645defa44a589c662529d3a66a9090b5eef1c5b73e71889f946d7ec3',
};

test.each(Object.keys(settings))('%s ends with the pinned parameters', async (framework) => {
  const config = resolveTrainingConfig({ ...base, ...settings[framework] }, { framework: framework as 'allreduce' });
  const results = await trainLocally({ framework, runsDir, config });
  expect(results.final.paramsDigest).toBe(PINNED[framework]);
});
