import { lambdaHandler } from '../../functions/handler';
import { supervisorQueue, workerQueue } from './deps';
import { supervisorEventSchema } from './events';
import { loopDeps } from './loop-deps';
import { runMllessSupervisor } from './supervisor';

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
  runBucket: (deps) => deps.store,
  run: runMllessSupervisor,
});
