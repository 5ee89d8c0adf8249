import { loadManifest } from '../../ml/data/bucket';
import { loadJson, saveJson } from '../../stores/json';
import type { ObjectStore } from '../../stores/types';
import { assertDatasetManifestKey, assertRunId, datasetManifestKey, newRunId, runKeys } from './run-keys';
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
 * The run's id and dataset manifest, checked: the manifest must exist and be split for
 * `config.workers`, and no run of that id may exist already (a retried trigger must not restart a
 * run over its own state). Throws, naming what is wrong, before anything is written.
 */
export async function openRun(
  store: ObjectStore, framework: string, event: { runId?: string; manifestKey?: string }, config: TrainingConfig,
): Promise<{ runId: string; manifestKey: string }> {
  const runId = event.runId ?? newRunId(framework);
  const manifestKey = event.manifestKey ?? datasetManifestKey(config.dataset, config.workers, config.seed);
  assertRunId(runId);
  assertDatasetManifestKey(manifestKey, config.dataset);
  await loadManifest(store, manifestKey, config.workers);
  if (await store.load(runKeys(runId).config)) throw new Error(`run ${runId} already exists in the bucket; choose another runId`);
  return { runId, manifestKey };
}

export async function saveRunRecord<C extends TrainingConfig>(
  store: ObjectStore, framework: string, run: { runId: string; manifestKey: string }, config: C,
): Promise<void> {
  const record: RunRecord<C> = { runId: run.runId, framework, config, manifestKey: run.manifestKey, startedAt: new Date().toISOString() };
  await saveJson(store, runKeys(run.runId).config, record);
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
