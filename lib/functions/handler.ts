import type { z } from 'zod';
import { assertRunOpened } from '../frameworks/run/run-record';
import type { ObjectStore } from '../stores/types';
import { InvalidInputError, parseOrThrow } from '../frameworks/run/training-config';
import { isWarmUpEvent, type WarmUpReply, type WarmUpSpec } from './warm-up';

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
  /** What a warm-up event (warm-up.ts) loads; a function without it refuses one. */
  warmUp?: WarmUpSpec<z.ZodType>;
}

type Handler<R> = (event: unknown, context: LambdaContext) => Promise<R>;

export function lambdaHandler<S extends z.ZodType, D, R>(spec: HandlerSpec<S, D, R> & { warmUp?: undefined }): Handler<R>;
export function lambdaHandler<S extends z.ZodType, D, R>(spec: HandlerSpec<S, D, R>): Handler<R | WarmUpReply>;
export function lambdaHandler<S extends z.ZodType, D, R>(spec: HandlerSpec<S, D, R>): Handler<R | WarmUpReply> {
  return async (event, context) => {
    if (isWarmUpEvent(event)) {
      if (!spec.warmUp) throw new InvalidInputError(`invalid ${spec.what}: a warm-up event, but this function has no warm-up`);
      await spec.warmUp.run(parseOrThrow(spec.warmUp.schema, event, `${spec.what} (warm-up)`), context);
      return { warmedUp: spec.what };
    }
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
