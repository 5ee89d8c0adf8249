import { startScatterReduceRun } from '../../../lib/frameworks/scatter-reduce/trigger';
import { triggerEventSchema } from '../../../lib/frameworks/collective/events';
import { parseOrThrow } from '../../../lib/frameworks/run/training-config';
import { createFunctionDeps } from '../../../lib/functions/deps';
import { createChannelStore, deployedChannel } from '../../../lib/stores/create-store';

/** sls invoke -f trigger -d '{"config":{"workers":4,"epochs":3}}' → { runId, ... } */
export async function handler(event: unknown) {
  const input = parseOrThrow(triggerEventSchema, event ?? {}, 'trigger event');
  const deps = createFunctionDeps('trigger');
  return startScatterReduceRun(input, {
    ...deps,
    workerFunctionName: deps.env.workerFunctionName,
    deployedChannel: deployedChannel(),
    openChannel: (channel) => createChannelStore(channel, { bucket: deps.store, traffic: deps.traffic }),
  });
}
