import type { LambdaContext } from '../../functions/handler';
import { createMllessDeps } from './deps';

/** What the supervisor and the workers share: their log, the worker function and the time left. */
export function loopDeps(functionKey: 'supervisor' | 'worker', bindings: Record<string, unknown>, context: LambdaContext) {
  const deps = createMllessDeps(functionKey);
  const log = deps.log.child(bindings);
  return { ...deps, queueLog: log, workerFunctionName: deps.env.workerFunctionName, remainingTimeMs: () => context.getRemainingTimeInMillis() };
}
