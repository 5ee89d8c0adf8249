import { lambdaHandler } from '../../functions/handler';
import { supervisorQueue, workerQueue } from './deps';
import { workerEventSchema } from './events';
import { loopDeps } from './loop-deps';
import { runMllessWorker } from './worker';

export const mllessWorkerHandler = lambdaHandler({
  what: 'worker event',
  schema: workerEventSchema,
  deps: (event, context) => {
    const deps = loopDeps('worker', { runId: event.runId, rank: event.rank }, context);
    return { ...deps, ownQueue: workerQueue(deps, event.rank, deps.queueLog), supervisorQueue: supervisorQueue(deps, deps.queueLog) };
  },
  runBucket: (deps) => deps.store,
  run: runMllessWorker,
});
