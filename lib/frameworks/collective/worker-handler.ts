import { createFunctionDeps } from '../../functions/deps';
import { lambdaHandler } from '../../functions/handler';
import { createChannelStore } from '../../stores/create-store';
import { dataParallelWorkerEventSchema } from '../run/events';
import type { CollectiveFramework } from './collectives';
import { runCollectiveWorker } from './worker';

// A collective service's worker function (allreduce, scatter-reduce).

export const collectiveWorkerHandler = (framework: CollectiveFramework) => lambdaHandler({
  what: 'worker event',
  schema: dataParallelWorkerEventSchema,
  deps: (event, context) => {
    const deps = createFunctionDeps('worker');
    return {
      ...deps,
      channel: createChannelStore(event.config.channel ?? 's3', { bucket: deps.store, traffic: deps.traffic }),
      workerFunctionName: deps.env.workerFunctionName,
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
    };
  },
  runBucket: (deps) => deps.store,
  run: (event, deps) => runCollectiveWorker(framework, event, deps),
});
