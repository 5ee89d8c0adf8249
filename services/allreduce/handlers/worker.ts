import { runAllReduceWorker } from '../../../lib/frameworks/allreduce/worker';
import { workerEventSchema } from '../../../lib/frameworks/allreduce/events';
import { parseOrThrow } from '../../../lib/frameworks/run/training-config';
import { createFunctionDeps } from '../../../lib/functions/deps';
import { createChannelStore } from '../../../lib/stores/create-store';

interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/** Started by the trigger (and by itself, to continue past Lambda's time limit). */
export async function handler(event: unknown, context: LambdaContext) {
  const input = parseOrThrow(workerEventSchema, event, 'worker event');
  const deps = createFunctionDeps('worker');
  return runAllReduceWorker(input, {
    ...deps,
    channel: createChannelStore(input.config.channel ?? 's3', { bucket: deps.store, traffic: deps.traffic }),
    workerFunctionName: deps.env.workerFunctionName,
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
  });
}
