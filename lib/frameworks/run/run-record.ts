import { createHash } from 'node:crypto';
import { loadManifest } from '../../ml/data/bucket';
import { loadJson, saveJson } from '../../stores/json';
import type { ObjectStore } from '../../stores/types';
import { canonicalJson } from '../../util/canonical-json';
import { assertBatchFitsShard } from './batch-fit';
import { assertDatasetManifestKey, assertRunId, runKeys } from './run-keys';
import { InvalidInputError } from './training-config';
import type { TrainingConfig } from './training-config';

// Every framework's trigger opens a run the same way: a run id (the event's or a new one), the
// prepared dataset checked against the configuration, and the run's record in the bucket, where its
// functions and the CLI read the configuration back.

/** What runs/<runId>/config.json holds. */
export interface RunRecord<C extends TrainingConfig = TrainingConfig> {
  runId: string;
  framework: string;
  config: C;
  manifestKey: string;
  startedAt: string;
}

/**
 * The run's dataset manifest, checked: it must exist, be split for `config.workers` and hold a
 * batch in each shard. A run of
 * that id may exist already only with the same configuration and dataset (a second delivery of its
 * trigger event, or a retry after a failed first attempt); another one is refused. Throws, naming
 * what is wrong, before anything is written.
 */
export async function openRun(
  store: ObjectStore, run: { runId: string; manifestKey: string }, config: TrainingConfig,
): Promise<void> {
  assertRunId(run.runId);
  assertDatasetManifestKey(run.manifestKey, config.dataset);
  const manifest = await loadManifest(store, run.manifestKey, config.workers);
  const shardRows = manifest.train[0].count;
  assertBatchFitsShard({
    batchSize: config.batchSize, shardRows, name: 'batchSize', what: 'invalid trigger event config',
    where: `${run.manifestKey}: ${manifest.workers} shards of ${shardRows.toLocaleString('en-US')} rows`,
  });
  const existing = await loadJson<RunRecord>(store, runKeys(run.runId).config);
  if (existing) assertSameRun(existing, config, run.manifestKey);
}

/** SHA-256 of a run's canonical configuration and dataset: equal for two deliveries of one trigger event. */
export function runDigest(config: TrainingConfig, manifestKey: string): string {
  return createHash('sha256').update(canonicalJson({ config, manifestKey })).digest('hex');
}

function assertSameRun(record: RunRecord, config: TrainingConfig, manifestKey: string): void {
  if (runDigest(record.config, record.manifestKey) === runDigest(config, manifestKey)) return;
  const given = { ...config, manifestKey } as Record<string, unknown>;
  const recorded = { ...record.config, manifestKey: record.manifestKey } as Record<string, unknown>;
  const differences = [...new Set([...Object.keys(given), ...Object.keys(recorded)])]
    .filter((k) => canonicalJson(given[k]) !== canonicalJson(recorded[k]))
    .map((k) => `${k} ${JSON.stringify(given[k])} (recorded ${JSON.stringify(recorded[k])})`);
  throw new InvalidInputError(`run ${record.runId} already exists in the bucket with another configuration (${differences.join(', ')}); choose another runId`);
}

/** Records the run once: a concurrent delivery of the same trigger event finds it recorded alike. */
export async function saveRunRecord<C extends TrainingConfig>(
  store: ObjectStore, framework: string, run: { runId: string; manifestKey: string }, config: C,
): Promise<void> {
  const record: RunRecord<C> = { runId: run.runId, framework, config, manifestKey: run.manifestKey, startedAt: new Date().toISOString() };
  const key = runKeys(run.runId).config;
  if (!store.saveIfAbsent) return saveJson(store, key, record);
  if (await store.saveIfAbsent(key, Buffer.from(JSON.stringify(record)))) return;
  const existing = await loadJson<RunRecord>(store, key);
  if (existing) assertSameRun(existing, config, run.manifestKey);
}

/** Runs opened, by id (a run's record never changes, so a warm process asks the bucket once). */
const openedRuns = new Map<string, RunRecord>();

/**
 * Refuses, before anything is written, an event of a started run's function that names a run the
 * trigger never opened, or a dataset other than the run's own.
 */
export async function assertRunOpened(store: ObjectStore, event: { runId: string; manifestKey?: string }): Promise<RunRecord> {
  let record = openedRuns.get(event.runId);
  if (!record) {
    record = await loadJson<RunRecord>(store, runKeys(event.runId).config);
    if (!record) throw new InvalidInputError(`run ${event.runId} was never opened (no ${runKeys(event.runId).config} in the bucket): event refused, nothing written`);
    openedRuns.set(event.runId, record);
  }
  if (event.manifestKey !== undefined && event.manifestKey !== record.manifestKey) {
    throw new InvalidInputError(`manifestKey "${event.manifestKey}" is not run ${event.runId}'s dataset (${record.manifestKey}): event refused, nothing written`);
  }
  return record;
}
