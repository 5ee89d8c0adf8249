import { createFunctionDeps } from '../../functions/deps';
import { lambdaHandler } from '../../functions/handler';
import { ParameterServerClient } from '../../ps/client';
import { readParameterServerEnvironment } from '../../ps/environment';
import { dataParallelWorkerEventSchema, triggerEventSchema } from '../run/events';
import { startPsRun } from './trigger';
import { runPsWorker } from './worker';

// The ps service's Lambda functions; each invocation opens its own client of the parameter server.

function psDeps(functionKey: string) {
  const deps = createFunctionDeps(functionKey);
  const ps = new ParameterServerClient({ ...readParameterServerEnvironment(), traffic: deps.traffic });
  return { ...deps, ps, workerFunctionName: deps.env.workerFunctionName };
}

export const psTriggerHandler = lambdaHandler({
  what: 'trigger event',
  schema: triggerEventSchema,
  deps: () => psDeps('trigger'),
  run: startPsRun,
  close: (deps) => deps.ps.close(),
});

export const psWorkerHandler = lambdaHandler({
  what: 'worker event',
  schema: dataParallelWorkerEventSchema,
  deps: (_event, context) => ({ ...psDeps('worker'), remainingTimeMs: () => context.getRemainingTimeInMillis() }),
  run: runPsWorker,
  close: (deps) => deps.ps.close(),
});
