import type { FunctionInvoker } from '../../functions/invoker';
import type { ParameterServerClient } from '../../ps/client';
import type { ObjectStore } from '../../stores/types';
import type { Logger } from '../../util/log';
import type { TriggerEvent } from '../run/events';
import { startWorkers, triggerOnce, type RunStarted } from '../run/open-run';

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
export function startPsRun(event: TriggerEvent, deps: PsTriggerDeps): Promise<RunStarted> {
  let serverModels: number | undefined;
  return triggerOnce('ps', event, deps, { prepare: async () => { serverModels = (await deps.ps.ping()).models; } }, async (run) => {
    const started = await startWorkers(deps.invoker, deps.workerFunctionName, run);
    deps.log.info('run started', { runId: run.runId, workers: started.workers, manifestKey: run.manifestKey, parameterServer: deps.ps.endpoint, serverModels });
    return started;
  });
}
