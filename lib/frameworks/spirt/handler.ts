import type { z } from 'zod';
import { lambdaHandler } from '../../functions/handler';
import { createSpirtDeps, type SpirtDeps } from './deps';

// Every SPIRT handler is the same: validate the event, build the clients, run the step. Every
// function but the trigger belongs to an opened run, checked before the step writes anything.

export function spirtHandler<S extends z.ZodType, R>(functionKey: string, schema: S, step: (event: z.output<S>, deps: SpirtDeps) => Promise<R>) {
  return lambdaHandler({
    what: `${functionKey} event`, schema, deps: (_event, context) => createSpirtDeps(functionKey, context), run: step,
    ...(functionKey === 'trigger' ? {} : { runBucket: (deps: SpirtDeps) => deps.store }),
  });
}
