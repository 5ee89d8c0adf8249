import { randomUUID } from 'node:crypto';
import type { Logger } from '../util/log';
import { waitFor } from '../util/wait';

// At-least-once delivery (Lambda's async invocations, Step Functions' retries) must never act twice.
// Every step that changes state runs through `once`: it claims the step's key (run, peer or rank,
// round or step, invocation) atomically in the store the step writes to, acts, and records its
// result under the key. A second delivery finds the key and returns the first result without acting.
// A failed attempt releases its claim, so a retry of a step that did not happen runs it. Claims
// that are still in progress expire after `inProgressMs` (the function's time limit), as a killed
// invocation never releases its own.

/** A store that can claim a key atomically (Redis SET NX, S3 PUT If-None-Match: *). */
export interface ClaimLedger {
  /** Claims `key` with `token` unless it exists; true when this caller got it. */
  claim(key: string, token: string, inProgressMs: number): Promise<boolean>;
  /** The key's value: a claim token or a recorded result, or undefined. */
  read(key: string): Promise<string | undefined>;
  /** Records the step's result under its key (kept `keepSeconds`). */
  record(key: string, result: string, keepSeconds: number): Promise<void>;
  /** Drops the claim, only if it is still `token` (a recorded result is never dropped). */
  release(key: string, token: string): Promise<void>;
}

export const IN_PROGRESS = 'in-progress:';
/** How long a step's result is kept for recognising duplicates. */
export const KEEP_RESULTS_SECONDS = 7 * 24 * 3600;

export interface OnceOptions {
  log: Logger;
  /** What the step is, for the log (`update_model peer 1 round 3`). */
  what: string;
  /** How long an unfinished claim blocks others: at least the function's time limit. */
  inProgressMs?: number;
}

/** What a duplicate delivery returns when the first is still running (no result yet). */
export interface DuplicateInProgress {
  duplicate: 'in-progress';
  key: string;
}

/** A step run once per key; `recorded` tells `act` the result was already stored with its effect. */
export interface StepClaim {
  key: string;
  /** Call when `act` stored the result itself, atomically with its effect (see `resultRecord`). */
  recordedWithEffect(): void;
}

export async function once<R>(
  ledger: ClaimLedger, key: string, opts: OnceOptions, act: (claim: StepClaim) => Promise<R>,
): Promise<R | DuplicateInProgress> {
  const token = `${IN_PROGRESS}${randomUUID()}`;
  const inProgressMs = opts.inProgressMs ?? 15 * 60_000;
  for (let attempt = 0; !(await ledger.claim(key, token, inProgressMs)); attempt++) {
    const existing = await ledger.read(key);
    if (existing === undefined && attempt < 2) continue; // expired between claim and read
    const inProgress = existing === undefined || existing.startsWith(IN_PROGRESS);
    opts.log.warn('duplicate delivery ignored', { step: opts.what, key, firstDelivery: inProgress ? 'in progress' : 'finished' });
    if (inProgress) return { duplicate: 'in-progress', key };
    return JSON.parse(existing) as R;
  }
  let recorded = false;
  let result: R;
  try {
    result = await act({ key, recordedWithEffect: () => { recorded = true; } });
  } catch (err) {
    await ledger.release(key, token).catch(() => undefined);
    throw err;
  }
  if (!recorded) await ledger.record(key, resultRecord(result), KEEP_RESULTS_SECONDS);
  return result;
}

/** The stored form of a step's result (JSON; `null` for a step that returns nothing). */
export function resultRecord(result: unknown): string {
  return JSON.stringify(result ?? null);
}

export function isDuplicateInProgress(value: unknown): value is DuplicateInProgress {
  return typeof value === 'object' && value !== null && (value as DuplicateInProgress).duplicate === 'in-progress';
}

/**
 * `once` for a caller that needs the result (a trigger answers with its run): a duplicate that
 * finds the first delivery still running waits for its result, up to `waitMs`; if the first
 * delivery failed meanwhile (its claim released), this one acts in its place.
 */
export async function onceWithResult<R>(
  ledger: ClaimLedger, key: string, opts: OnceOptions & { waitMs: number }, act: (claim: StepClaim) => Promise<R>,
): Promise<R> {
  const first = await once(ledger, key, opts, act);
  if (!isDuplicateInProgress(first)) return first;
  const recorded = await waitFor(`the first delivery of ${opts.what} to record its result`, async () => {
    const value = await ledger.read(key);
    return value?.startsWith(IN_PROGRESS) ? undefined : { value };
  }, { timeoutMs: opts.waitMs, initialDelayMs: 100, maxDelayMs: 1000 });
  if (recorded.value === undefined) return onceWithResult(ledger, key, opts, act);
  return JSON.parse(recorded.value) as R;
}
