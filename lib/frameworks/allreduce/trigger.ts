import type { FunctionInvoker } from '../../functions/invoker';
import { loadManifest } from '../../ml/data/bucket';
import { saveJson } from '../../stores/json';
import type { ObjectStore } from '../../stores/types';
import type { Logger } from '../../util/log';
import { datasetManifestKey, newRunId, runKeys } from '../run-keys';
import { resolveTrainingConfig, type TrainingConfig } from '../training-config';
import type { TriggerEvent, WorkerEvent } from './events';

export interface TriggerDeps {
  store: ObjectStore;
  invoker: FunctionInvoker;
  workerFunctionName: string;
  log: Logger;
}

export interface RunStarted {
  runId: string;
  workers: number;
  manifestKey: string;
  config: TrainingConfig;
}

/** Checks the dataset, records the run's configuration and starts the N workers asynchronously. */
export async function startAllReduceRun(event: TriggerEvent, deps: TriggerDeps): Promise<RunStarted> {
  const config = resolveTrainingConfig(event.config, { framework: 'allreduce', what: 'trigger event config' });
  const runId = event.runId ?? newRunId('allreduce');
  const keys = runKeys(runId);
  const manifestKey = event.manifestKey ?? datasetManifestKey(config.dataset, config.workers, config.seed);
  await loadManifest(deps.store, manifestKey, config.workers);
  if (await deps.store.load(keys.config)) throw new Error(`run ${runId} already exists in the bucket; choose another runId`);
  await saveJson(deps.store, keys.config, { runId, framework: 'allreduce', config, manifestKey, startedAt: new Date().toISOString() });
  await Promise.all(Array.from({ length: config.workers }, (_, rank) => {
    const workerEvent: WorkerEvent = { runId, rank, numWorkers: config.workers, config, manifestKey, invocation: 1 };
    return deps.invoker.invokeAsync(deps.workerFunctionName, workerEvent);
  }));
  deps.log.info('run started', { runId, workers: config.workers, manifestKey });
  return { runId, workers: config.workers, manifestKey, config };
}
