import type { MllessConfig } from './events';

// How long MLLESS waits for what, all derived from the run's --sync-timeout.

/** Updates expire from Redis after this, should a run die before deleting them. */
export const UPDATE_TTL_MS = 60 * 60_000;

/**
 * Extra time for the first step's reports: the workers are starting (a cold start, the shard to
 * download) when the supervisor begins to wait.
 */
export const STARTUP_ALLOWANCE_MS = 60_000;

/** The supervisor's wait for every worker's report of one step, counted from the previous decision. */
export function reportTimeoutMs(config: MllessConfig, step: number): number {
  return config.syncTimeoutSeconds * 1000 + (step === 1 ? STARTUP_ALLOWANCE_MS : 0);
}

/**
 * A worker's wait for the supervisor's decision. Longer than the supervisor's own wait for a late
 * worker, so that when a worker dies the supervisor is the one to notice and name it (and abort
 * the others); a worker's wait only ends the run when the supervisor itself has gone silent.
 */
export function decisionTimeoutMs(config: MllessConfig): number {
  return 2 * config.syncTimeoutSeconds * 1000 + STARTUP_ALLOWANCE_MS;
}

/** The supervisor's wait for the workers' final reports (worker 0 evaluates before reporting). */
export function finalReportsTimeoutMs(config: MllessConfig): number {
  return config.syncTimeoutSeconds * 1000 + STARTUP_ALLOWANCE_MS;
}
