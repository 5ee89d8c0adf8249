import { loadJson, saveJson } from '../../stores/json';
import type { ObjectStore } from '../../stores/types';
import { runKeys } from './run-keys';

// A run fails loudly: whoever detects the problem writes the failure marker, and every worker that
// is waiting checks it, so nobody waits out its whole deadline for a run that is already lost.

export interface RunFailure {
  reason: string;
  detectedBy: string;
  at: string;
}

export class RunFailedError extends Error {
  constructor(readonly failure: RunFailure) {
    super(`run failed: ${failure.reason} (detected by ${failure.detectedBy})`);
    this.name = 'RunFailedError';
  }
}

export async function markRunFailed(store: ObjectStore, runId: string, reason: string, detectedBy: string): Promise<RunFailure> {
  const existing = await readRunFailure(store, runId);
  if (existing) return existing; // the first cause is the one worth reporting
  const failure: RunFailure = { reason, detectedBy, at: new Date().toISOString() };
  await saveJson(store, runKeys(runId).failed, failure);
  return failure;
}

export function readRunFailure(store: ObjectStore, runId: string): Promise<RunFailure | undefined> {
  return loadJson<RunFailure>(store, runKeys(runId).failed);
}

export async function throwIfRunFailed(store: ObjectStore, runId: string): Promise<void> {
  const failure = await readRunFailure(store, runId);
  if (failure) throw new RunFailedError(failure);
}
