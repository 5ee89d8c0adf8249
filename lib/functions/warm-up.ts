import type { z } from 'zod';

// A warm-up invocation starts a function's sandbox (Lambda's init phase) and loads what its first
// real invocation would, then returns without running the step: a framework sends them at the
// start of a run, all at once, so the cold starts of a round's functions overlap instead of
// following one another on the first round's path. The event is the framework's own (names and
// numbers only) marked with `warmUp: true`; it writes nothing, so a second delivery is harmless.

export const WARM_UP_FIELD = 'warmUp';

export interface WarmUpSpec<W extends z.ZodType> {
  /** The framework's warm-up event; it must require `warmUp: true`. */
  schema: W;
  /** Loads what the function's first invocation needs (clients, connections, data); writes nothing. */
  run(event: z.output<W>, context: { invokedFunctionArn: string }): Promise<void>;
}

export interface WarmUpReply {
  warmedUp: string;
}

export function isWarmUpEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && !Array.isArray(event) && WARM_UP_FIELD in event;
}
