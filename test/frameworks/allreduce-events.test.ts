import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalRuntime } from '../../lib/local/runtime';

// Bad input reaches the real handlers through the Lambda API and is refused with a message that
// names the field, before anything is written or started.

let runtime: LocalRuntime;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'allreduce-events-'));
  runtime = await LocalRuntime.start({ runDir: path.join(dir, 'run'), s3Dir: path.join(dir, 's3'), services: ['allreduce'] });
});
afterAll(async () => {
  await runtime.stop();
  rmSync(dir, { recursive: true, force: true });
});

const invoke = (fn: string, event: unknown) => runtime.lambda.invoke(runtime.functionName('allreduce', fn), event);

test('a worker event with a wrong field type names the field', async () => {
  const out = await invoke('worker', { runId: 'run-x1', rank: 'one', numWorkers: 2, config: {}, manifestKey: 'm' });
  expect(out.functionError?.errorType).toBe('InvalidInputError');
  expect(out.functionError?.errorMessage).toMatch(/^invalid worker event: .*rank: Invalid input: expected number, received string/);
});

test('a worker event whose rank is outside the run names rank', async () => {
  const out = await invoke('worker', { runId: 'run-x1', rank: 5, numWorkers: 2, config: { workers: 2, lr: 0.1 }, manifestKey: 'm' });
  expect(out.functionError?.errorMessage).toContain('rank: rank must be smaller than numWorkers');
});

test('a trigger event with an unknown option or a bad value names it', async () => {
  const unknown = await invoke('trigger', { config: { workers: 2, colour: 'red' } });
  expect(unknown.functionError?.errorMessage).toMatch(/invalid trigger event: config: Unrecognized key: "colour"/);
  const bad = await invoke('trigger', { config: { model: 'resnet' } });
  expect(bad.functionError?.errorMessage).toMatch(/config\.model: Invalid option: expected one of "lr"\|"svm"\|"mlp"\|"cnn"/);
});

test('a trigger for data that was never prepared says how to prepare it, and starts nothing', async () => {
  const out = await invoke('trigger', { runId: 'run-nodata', config: { dataset: 'synthetic', workers: 3 } });
  expect(out.functionError?.errorMessage).toBe('no dataset manifest at datasets/synthetic/w3-s42/manifest.json: prepare the data first (mltrain prepare-data --workers 3)');
  expect(runtime.lambda.invocations().filter((r) => r.functionKey === 'worker')).toHaveLength(2); // only the two direct invocations above
  expect(await runtime.store().list('runs/run-nodata/')).toEqual([]);
});
