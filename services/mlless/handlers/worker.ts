import { createMllessDeps, supervisorQueue, workerQueue } from '../../../lib/frameworks/mlless/deps';
import { workerEventSchema } from '../../../lib/frameworks/mlless/events';
import { runMllessWorker } from '../../../lib/frameworks/mlless/worker';
import { parseOrThrow } from '../../../lib/frameworks/run/training-config';

interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/** Started by the supervisor (and by itself, to continue past Lambda's time limit). */
export async function handler(event: unknown, context: LambdaContext) {
  const input = parseOrThrow(workerEventSchema, event, 'worker event');
  const deps = createMllessDeps('worker');
  const log = deps.log.child({ runId: input.runId, rank: input.rank });
  return runMllessWorker(input, {
    ...deps,
    workerFunctionName: deps.env.workerFunctionName,
    ownQueue: workerQueue(deps, input.rank, log),
    supervisorQueue: supervisorQueue(deps, log),
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
  });
}
