import { lambdaHandler, type LambdaContext } from '../../functions/handler';
import { triggerEventSchema } from '../run/events';
import { createMllessDeps, supervisorQueue, workerQueue } from './deps';
import { supervisorEventSchema, workerEventSchema } from './events';
import { runMllessSupervisor } from './supervisor';
import { startMllessRun } from './trigger';
import { runMllessWorker } from './worker';

// The mlless service's Lambda functions: the trigger, the supervisor and the workers.

export const mllessTriggerHandler = lambdaHandler({
  what: 'trigger event',
  schema: triggerEventSchema,
  deps: () => {
    const deps = createMllessDeps('trigger');
    return { ...deps, supervisorFunctionName: deps.mlless.supervisorFunctionName, deployedWorkers: deps.mlless.workerQueueUrls.length };
  },
  run: startMllessRun,
});

/** What the supervisor and the workers share: their log, the worker function and the time left. */
function loopDeps(functionKey: 'supervisor' | 'worker', bindings: Record<string, unknown>, context: LambdaContext) {
  const deps = createMllessDeps(functionKey);
  const log = deps.log.child(bindings);
  return { ...deps, queueLog: log, workerFunctionName: deps.env.workerFunctionName, remainingTimeMs: () => context.getRemainingTimeInMillis() };
}

export const mllessSupervisorHandler = lambdaHandler({
  what: 'supervisor event',
  schema: supervisorEventSchema,
  deps: (event, context) => {
    const deps = loopDeps('supervisor', { runId: event.runId }, context);
    return {
      ...deps,
      supervisorFunctionName: deps.mlless.supervisorFunctionName,
      ownQueue: supervisorQueue(deps, deps.queueLog),
      workerQueues: deps.mlless.workerQueueUrls.map((_, rank) => workerQueue(deps, rank, deps.queueLog)),
    };
  },
  run: runMllessSupervisor,
});

export const mllessWorkerHandler = lambdaHandler({
  what: 'worker event',
  schema: workerEventSchema,
  deps: (event, context) => {
    const deps = loopDeps('worker', { runId: event.runId, rank: event.rank }, context);
    return { ...deps, ownQueue: workerQueue(deps, event.rank, deps.queueLog), supervisorQueue: supervisorQueue(deps, deps.queueLog) };
  },
  run: runMllessWorker,
});
