import { runAllReduceWorker } from '../../../lib/frameworks/allreduce/worker';
import { workerEventSchema } from '../../../lib/frameworks/allreduce/events';
import { parseOrThrow } from '../../../lib/frameworks/training-config';
import { createFunctionDeps } from '../../../lib/functions/deps';

interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/** Started by the trigger (and by itself, to continue past Lambda's time limit). */
export async function handler(event: unknown, context: LambdaContext) {
  const input = parseOrThrow(workerEventSchema, event, 'worker event');
  const deps = createFunctionDeps('worker');
  return runAllReduceWorker(input, {
    ...deps,
    workerFunctionName: deps.env.workerFunctionName,
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
  });
}
