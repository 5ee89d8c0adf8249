import type { z } from 'zod';
import { assertRunOpened } from '../frameworks/run/run-record';
import { parseOrThrow } from '../frameworks/run/training-config';
import type { ObjectStore } from '../stores/types';

// Every Lambda handler is the same four moves: parse the event (a bad one is refused, naming each
// bad field, before anything runs), build the clients, call lib/, return its answer. Handler files
// in services/*/handlers only name which schema, clients and step.

/** The part of Lambda's context object the functions use. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
  invokedFunctionArn: string;
}

export interface HandlerSpec<S extends z.ZodType, D, R> {
  /** What the event is, for messages ("trigger event"). */
  what: string;
  schema: S;
  /** The clients this invocation needs, from the environment (and the event or context). */
  deps: (event: z.output<S>, context: LambdaContext) => D;
  run: (event: z.output<S>, deps: D) => Promise<R>;
  /**
   * For a started run's functions: the bucket holding the run's record. The event's run must have
   * been opened and its manifestKey be the run's, or the event is refused before `run`.
   */
  runBucket?: (deps: D) => ObjectStore;
  /** Releases what `deps` opened, whatever the outcome. */
  close?: (deps: D) => void;
}

export function lambdaHandler<S extends z.ZodType, D, R>(spec: HandlerSpec<S, D, R>) {
  return async (event: unknown, context: LambdaContext): Promise<R> => {
    // `sls invoke` without data sends no event: a trigger then runs with every default.
    const input = parseOrThrow(spec.schema, event ?? {}, spec.what);
    const deps = spec.deps(input, context);
    try {
      if (spec.runBucket) await assertRunOpened(spec.runBucket(deps), input as { runId: string; manifestKey?: string });
      return await spec.run(input, deps);
    } finally {
      spec.close?.(deps);
    }
  };
}
