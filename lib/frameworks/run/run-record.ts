import { loadManifest } from '../../ml/data/bucket';
import { saveJson } from '../../stores/json';
import type { ObjectStore } from '../../stores/types';
import { datasetManifestKey, newRunId, runKeys } from './run-keys';
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
