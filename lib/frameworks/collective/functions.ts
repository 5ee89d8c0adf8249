import { createFunctionDeps } from '../../functions/deps';
import { lambdaHandler } from '../../functions/handler';
import { createChannelStore, deployedChannel } from '../../stores/create-store';
import { dataParallelWorkerEventSchema, triggerEventSchema } from '../run/events';
import type { CollectiveFramework } from './collectives';
import { startCollectiveRun } from './trigger';
import { runCollectiveWorker } from './worker';

// The Lambda functions of a collective service (allreduce, scatter-reduce): one trigger, one worker.

export const collectiveTriggerHandler = (framework: CollectiveFramework) => lambdaHandler({
  what: 'trigger event',
  schema: triggerEventSchema,
  deps: () => {
    const deps = createFunctionDeps('trigger');
    return {
      ...deps,
      workerFunctionName: deps.env.workerFunctionName,
      deployedChannel: deployedChannel(),
      openChannel: (channel: Parameters<typeof createChannelStore>[0]) => createChannelStore(channel, { bucket: deps.store, traffic: deps.traffic }),
    };
  },
  run: (event, deps) => startCollectiveRun(framework, event, deps),
});

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
  run: (event, deps) => runCollectiveWorker(framework, event, deps),
});
