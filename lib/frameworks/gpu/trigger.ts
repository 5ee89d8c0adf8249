import type { ObjectStore } from '../../stores/types';
import type { Logger } from '../../util/log';
import type { TriggerEvent } from '../run/events';
import { triggerOnce } from '../run/open-run';
import type { TrainingConfig } from '../run/training-config';
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
export function startGpuRun(event: TriggerEvent, deps: GpuTriggerDeps): Promise<GpuRunStarted> {
  return triggerOnce<TrainingConfig, GpuRunStarted>('gpu', event, deps, {}, async ({ runId, manifestKey, config }) => {
    const launch = await deps.launcher.launch(runId);
    deps.log.info('run started', { runId, manifestKey, launch });
    return { runId, manifestKey, config, launch };
  });
}
