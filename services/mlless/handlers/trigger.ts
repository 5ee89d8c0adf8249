import { createMllessDeps } from '../../../lib/frameworks/mlless/deps';
import { triggerEventSchema } from '../../../lib/frameworks/mlless/events';
import { startMllessRun } from '../../../lib/frameworks/mlless/trigger';
import { parseOrThrow } from '../../../lib/frameworks/run/training-config';

/** sls invoke -f trigger -d '{"config":{"workers":4,"variant":"significant"}}' → { runId, ... } */
export async function handler(event: unknown) {
  const input = parseOrThrow(triggerEventSchema, event ?? {}, 'trigger event');
  const deps = createMllessDeps('trigger');
  return startMllessRun(input, {
    ...deps,
    supervisorFunctionName: deps.mlless.supervisorFunctionName,
    deployedWorkers: deps.mlless.workerQueueUrls.length,
  });
}
