import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunRecord } from '../../lib/frameworks/run/run-record';
import type { RunDone } from '../../lib/frameworks/run/reports';
import { datasetPrefix, runKeys } from '../../lib/frameworks/run/run-keys';
import { uploadDataset } from '../../lib/ml/data/bucket';
import { loadDataset } from '../../lib/ml/data/catalog';
import { loadJson } from '../../lib/stores/json';
import { LOCAL_BUCKET, LocalRuntime } from '../../lib/local/runtime';

// The original LambdaML replication functions' event ({ data_bucket, rank, num_workers } plus the
// run_id this product needs) reaches the real worker handlers through the Lambda API.

let runtime: LocalRuntime;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'seed-events-'));
  runtime = await LocalRuntime.start({ runDir: path.join(dir, 'run'), s3Dir: path.join(dir, 's3'), services: ['allreduce', 'scatter-reduce'] });
  const data = loadDataset('synthetic', 42);
  await uploadDataset(runtime.store(), data, { dataset: 'synthetic', workers: 2, seed: 42, prefix: datasetPrefix('synthetic', 2, 42) });
}, 120_000);
afterAll(async () => {
  await runtime.stop();
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
});

const seedEvent = (runId: string, rank: number) => ({
  data_bucket: LOCAL_BUCKET, rank, num_workers: 2, run_id: runId, dataset: 'synthetic', n_epochs: 1, batch_size: 512, sync_mode: 'reduce_scatter', tmp_bucket: 'tmp-params',
});

test.each([
  ['scatter-reduce', 'reduce_scatter', 'seed-run-1', {}],
  ['allreduce', 'async', 'seed-run-4', { sync: 'async' }], // LambdaML's async pattern: --sync async
] as const)('two %s workers started with the seeds\' event (sync_mode %s) train a run to the end', async (framework, syncMode, runId, config) => {
  const fn = runtime.functionName(framework, 'worker');
  const outs = await Promise.all([0, 1].map((rank) => runtime.lambda.invoke(fn, { ...seedEvent(runId, rank), sync_mode: syncMode })));
  expect(outs.map((o) => o.functionError)).toEqual([undefined, undefined]);
  const store = runtime.store();
  const record = await loadJson<RunRecord>(store, runKeys(runId).config);
  expect(record).toMatchObject({ framework, config: { workers: 2, epochs: 1, batchSize: 512, dataset: 'synthetic', channel: 's3', ...config } });
  const done = await loadJson<RunDone>(store, runKeys(runId).done);
  expect(done?.reports.map((r) => r.rank).sort()).toEqual([0, 1]);
  expect(await store.load(runKeys(runId).epochSummary(1))).toBeDefined();
}, 180_000);

test('a seed event without rank is refused naming rank, and starts nothing', async () => {
  const { rank: _omitted, ...event } = seedEvent('seed-run-2', 0);
  const out = await runtime.lambda.invoke(runtime.functionName('allreduce', 'worker'), { ...event, sync_mode: 'reduce' });
  expect(out.functionError?.errorType).toBe('InvalidInputError');
  expect(out.functionError?.errorMessage).toMatch(/^invalid seed worker event: rank: /);
  expect(await runtime.store().list('runs/seed-run-2/')).toEqual([]);
}, 60_000);

test('seed fields that would change training are mapped or refused, never dropped', async () => {
  const fn = runtime.functionName('allreduce', 'worker');
  const unknown = await runtime.lambda.invoke(fn, { ...seedEvent('seed-run-3', 0), sync_mode: 'reduce', valid_ratio: 0.2 });
  expect(unknown.functionError?.errorMessage).toMatch(/Unrecognized key: "valid_ratio"/);
  const mode = await runtime.lambda.invoke(fn, seedEvent('seed-run-3', 0));
  expect(mode.functionError?.errorMessage).toBe('invalid seed worker event: sync_mode "reduce_scatter" is not what allreduce runs (sync_mode "reduce" or "async")');
  const bucket = await runtime.lambda.invoke(fn, { ...seedEvent('seed-run-3', 0), sync_mode: 'reduce', data_bucket: 'cifar10dataset' });
  expect(bucket.functionError?.errorMessage).toMatch(/data_bucket "cifar10dataset" is not this deployment's bucket/);
  const noRun = await runtime.lambda.invoke(fn, { data_bucket: LOCAL_BUCKET, rank: 0, num_workers: 2 });
  expect(noRun.functionError?.errorMessage).toMatch(/^invalid seed worker event: run_id: /);
  expect(await runtime.store().list('runs/seed-run-3/')).toEqual([]);
}, 120_000);
