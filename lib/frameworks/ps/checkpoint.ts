import type { TrafficSnapshot } from '../../metrics/traffic';
import { loadJson, saveJson } from '../../stores/json';
import type { ObjectStore } from '../../stores/types';
import type { EpochStats } from '../run/worker-reports';

// What a parameter-server worker hands over to its next invocation. The model and the optimizer's
// buffers live on the server, so this is only the position in the loop and the running statistics.

export interface PsWorkerState {
  epoch: number;
  /** Batch within the epoch; `steps` means the epoch's batches are done and its end is pending. */
  step: number;
  epochStats: EpochStats;
  traffic: TrafficSnapshot;
  invocations: number;
}

const stateKey = (prefix: string) => `${prefix}state.json`;

export function savePsCheckpoint(store: ObjectStore, prefix: string, state: PsWorkerState): Promise<void> {
  return saveJson(store, stateKey(prefix), state);
}

export async function loadPsCheckpoint(store: ObjectStore, prefix: string): Promise<PsWorkerState> {
  const state = await loadJson<PsWorkerState>(store, stateKey(prefix));
  if (!state) throw new Error(`no checkpoint at ${stateKey(prefix)} to resume from`);
  return state;
}
