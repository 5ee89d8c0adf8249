import { createMllessDeps, supervisorQueue, workerQueue } from '../../../lib/frameworks/mlless/deps';
import { supervisorEventSchema } from '../../../lib/frameworks/mlless/events';
import { runMllessSupervisor } from '../../../lib/frameworks/mlless/supervisor';
import { parseOrThrow } from '../../../lib/frameworks/run/training-config';

interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/** Started by the trigger (and by itself, to continue past Lambda's time limit); starts the workers. */
export async function handler(event: unknown, context: LambdaContext) {
  const input = parseOrThrow(supervisorEventSchema, event, 'supervisor event');
  const deps = createMllessDeps('supervisor');
  const log = deps.log.child({ runId: input.runId });
  return runMllessSupervisor(input, {
    ...deps,
    workerFunctionName: deps.env.workerFunctionName,
    supervisorFunctionName: deps.mlless.supervisorFunctionName,
    ownQueue: supervisorQueue(deps, log),
    workerQueues: deps.mlless.workerQueueUrls.map((_, rank) => workerQueue(deps, rank, log)),
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
  });
}
