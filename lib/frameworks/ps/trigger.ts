import type { FunctionInvoker } from '../../functions/invoker';
import type { ParameterServerClient } from '../../ps/client';
import type { ObjectStore } from '../../stores/types';
import type { Logger } from '../../util/log';
import { openRun, saveRunRecord } from '../run/run-record';
import { resolveTrainingConfig } from '../run/training-config';
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
  const { runId, manifestKey } = await openRun(deps.store, 'ps', event, config);
  const server = await deps.ps.ping();
  await saveRunRecord(deps.store, 'ps', { runId, manifestKey }, config);
  await Promise.all(Array.from({ length: config.workers }, (_, rank) => {
    const workerEvent: WorkerEvent = { runId, rank, numWorkers: config.workers, config, manifestKey, invocation: 1 };
    return deps.invoker.invokeAsync(deps.workerFunctionName, workerEvent);
  }));
  deps.log.info('run started', { runId, workers: config.workers, manifestKey, parameterServer: deps.ps.endpoint, serverModels: server.models });
  return { runId, workers: config.workers, manifestKey, config };
}
