import { loadManifest } from '../../ml/data/bucket';
import { saveJson } from '../../stores/json';
import type { ObjectStore } from '../../stores/types';
import type { Logger } from '../../util/log';
import { datasetManifestKey, newRunId, runKeys } from '../run-keys';
import { resolveTrainingConfig, type TrainingConfig } from '../training-config';
import type { GpuRunRecord, GpuTriggerEvent } from './events';
import type { JobLauncher, LaunchInfo } from './launcher';

export interface GpuTriggerDeps {
  store: ObjectStore;
  launcher: JobLauncher;
  log: Logger;
}

export interface GpuRunStarted {
  runId: string;
  manifestKey: string;
  config: TrainingConfig;
  launch: LaunchInfo;
}

/**
 * Checks the dataset, records the run's configuration in the bucket (where the trainer reads it)
 * and launches the trainer. The data split of the data-parallel run it mirrors (config.workers
 * shards) is the one it trains on, so both see the same rows.
 */
export async function startGpuRun(event: GpuTriggerEvent, deps: GpuTriggerDeps): Promise<GpuRunStarted> {
  const config = resolveTrainingConfig(event.config, { framework: 'gpu', what: 'trigger event config' });
  const runId = event.runId ?? newRunId('gpu');
  const keys = runKeys(runId);
  const manifestKey = event.manifestKey ?? datasetManifestKey(config.dataset, config.workers, config.seed);
  await loadManifest(deps.store, manifestKey, config.workers);
  if (await deps.store.load(keys.config)) throw new Error(`run ${runId} already exists in the bucket; choose another runId`);
  const record: GpuRunRecord = { runId, framework: 'gpu', config, manifestKey, startedAt: new Date().toISOString() };
  await saveJson(deps.store, keys.config, record);
  const launch = await deps.launcher.launch(runId);
  deps.log.info('run started', { runId, manifestKey, launch });
  return { runId, manifestKey, config, launch };
}
