import { createFunctionDeps } from '../../functions/deps';
import { lambdaHandler } from '../../functions/handler';
import { createChannelStore, deployedChannel } from '../../stores/create-store';
import { triggerEventSchema } from '../run/events';
import type { CollectiveFramework } from './collectives';
import { startCollectiveRun } from './trigger';

// A collective service's trigger function (allreduce, scatter-reduce). Its own file: a handler's
// bundle holds what it imports, and the trigger needs no tfjs.

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
