import { lambdaHandler } from '../../functions/handler';
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

export const mllessSupervisorHandler = lambdaHandler({
  what: 'supervisor event',
  schema: supervisorEventSchema,
  deps: (event, context) => {
    const deps = createMllessDeps('supervisor');
    const log = deps.log.child({ runId: event.runId });
    return {
      ...deps,
      workerFunctionName: deps.env.workerFunctionName,
      supervisorFunctionName: deps.mlless.supervisorFunctionName,
      ownQueue: supervisorQueue(deps, log),
      workerQueues: deps.mlless.workerQueueUrls.map((_, rank) => workerQueue(deps, rank, log)),
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
    };
  },
  run: runMllessSupervisor,
});

export const mllessWorkerHandler = lambdaHandler({
  what: 'worker event',
  schema: workerEventSchema,
  deps: (event, context) => {
    const deps = createMllessDeps('worker');
    const log = deps.log.child({ runId: event.runId, rank: event.rank });
    return {
      ...deps,
      workerFunctionName: deps.env.workerFunctionName,
      ownQueue: workerQueue(deps, event.rank, log),
      supervisorQueue: supervisorQueue(deps, log),
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
    };
  },
  run: runMllessWorker,
});
