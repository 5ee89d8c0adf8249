import type { FunctionInvoker } from '../../functions/invoker';
import { loadManifest } from '../../ml/data/bucket';
import type { ParameterServerClient } from '../../ps/client';
import { saveJson } from '../../stores/json';
import type { ObjectStore } from '../../stores/types';
import type { Logger } from '../../util/log';
import { datasetManifestKey, newRunId, runKeys } from '../run-keys';
import { resolveTrainingConfig } from '../training-config';
import type { RunStarted } from '../allreduce/trigger';
import type { TriggerEvent, WorkerEvent } from './events';

export interface PsTriggerDeps {
  store: ObjectStore;
  invoker: FunctionInvoker;
  workerFunctionName: string;
  ps: ParameterServerClient;
  log: Logger;
}

/**
 * Checks the dataset and that the parameter server answers, records the run's configuration and
 * starts the N workers asynchronously. The workers create the run's model on the server.
 */
export async function startPsRun(event: TriggerEvent, deps: PsTriggerDeps): Promise<RunStarted> {
  const config = resolveTrainingConfig(event.config, { framework: 'ps', what: 'trigger event config' });
  const runId = event.runId ?? newRunId('ps');
  const keys = runKeys(runId);
  const manifestKey = event.manifestKey ?? datasetManifestKey(config.dataset, config.workers, config.seed);
  await loadManifest(deps.store, manifestKey, config.workers);
  const server = await deps.ps.ping();
  if (await deps.store.load(keys.config)) throw new Error(`run ${runId} already exists in the bucket; choose another runId`);
  await saveJson(deps.store, keys.config, { runId, framework: 'ps', config, manifestKey, startedAt: new Date().toISOString() });
  await Promise.all(Array.from({ length: config.workers }, (_, rank) => {
    const workerEvent: WorkerEvent = { runId, rank, numWorkers: config.workers, config, manifestKey, invocation: 1 };
    return deps.invoker.invokeAsync(deps.workerFunctionName, workerEvent);
  }));
  deps.log.info('run started', { runId, workers: config.workers, manifestKey, parameterServer: deps.ps.endpoint, serverModels: server.models });
  return { runId, workers: config.workers, manifestKey, config };
}
