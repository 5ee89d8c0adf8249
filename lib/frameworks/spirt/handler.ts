import type { z } from 'zod';
import { parseOrThrow } from '../run/training-config';
import { createSpirtDeps, type SpirtDeps } from './deps';

// Every SPIRT handler is the same three lines: validate the event, build the clients, run the step.

interface LambdaContext {
  invokedFunctionArn: string;
}

export function spirtHandler<S extends z.ZodType, R>(functionKey: string, schema: S, step: (event: z.output<S>, deps: SpirtDeps) => Promise<R>) {
  return async (event: unknown, context: LambdaContext): Promise<R> => {
    const input = parseOrThrow(schema, event, `${functionKey} event`);
    return step(input, createSpirtDeps(functionKey, context));
  };
}
