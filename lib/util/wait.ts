// Every wait in the product is bounded: a deadline and an exponential back-off, never a busy loop.

export interface WaitOptions {
  /** Give up after this many milliseconds. */
  timeoutMs: number;
  /** First pause between attempts. */
  initialDelayMs?: number;
  /** Longest pause between attempts. */
  maxDelayMs?: number;
  /** Growth of the pause after each unsuccessful attempt. */
  factor?: number;
}

export class WaitTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`timed out after ${(timeoutMs / 1000).toFixed(1)} s waiting for ${what}`);
    this.name = 'WaitTimeoutError';
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `attempt` until it returns a value other than undefined, pausing with back-off between tries.
 * `attempt` may throw to abort the wait early (e.g. when the run has been marked failed).
 */
export async function waitFor<T>(what: string, attempt: () => Promise<T | undefined>, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let delay = opts.initialDelayMs ?? 5;
  const maxDelay = opts.maxDelayMs ?? 200;
  const factor = opts.factor ?? 1.5;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    const left = deadline - Date.now();
    if (left <= 0) throw new WaitTimeoutError(what, opts.timeoutMs);
    await sleep(Math.min(delay, left));
    delay = Math.min(maxDelay, delay * factor);
  }
}
