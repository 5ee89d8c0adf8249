import type { OptimizerState } from '../../ml/optimizers';
import type { TrafficSnapshot } from '../../metrics/traffic';
import { loadJson, saveJson } from '../../stores/json';
import type { ObjectStore } from '../../stores/types';
import { loadCheckpointFiles, optimizerFromTensors, optimizerTensors, saveCheckpointFiles } from '../run/checkpoint-files';
import type { EpochStats } from '../run/worker-reports';
import type { StopReason } from './stop-rule';

// What MLLESS's functions write before handing over to their next invocation. A worker's tensors
// (parameters, the update still accumulating, optimizer buffers) stay float32 binary
// (checkpoint-files.ts); the supervisor's state is one JSON object.

export interface UpdateStats {
  /** Steps whose update was stored (had at least one entry). */
  sent: number;
  entries: number;
  bytes: number;
}

export interface WorkerState {
  /** The global step (1, 2, ...) being worked on. */
  step: number;
  /** The report for `step` is sent; the worker waits for the supervisor's decision. */
  awaiting: boolean;
  /** When the wait began (epoch ms): it stays bounded across invocations. */
  awaitingSince: number;
  params: Float32Array;
  accumulated: Float32Array;
  optimizer: OptimizerState;
  epochStats: EpochStats;
  updates: UpdateStats;
  traffic: TrafficSnapshot;
  invocations: number;
}

type WorkerHeader = Omit<WorkerState, 'params' | 'accumulated' | 'optimizer'> & { optimizerStep: number };

export function saveWorkerCheckpoint(store: ObjectStore, prefix: string, state: WorkerState): Promise<void> {
  const { params, accumulated, optimizer, ...rest } = state;
  const header: WorkerHeader = { ...rest, optimizerStep: optimizer.step };
  return saveCheckpointFiles(store, prefix, params.length, { params, accumulated, ...optimizerTensors(optimizer) }, header);
}

export async function loadWorkerCheckpoint(store: ObjectStore, prefix: string, numParams: number): Promise<WorkerState> {
  const { state, tensors } = await loadCheckpointFiles<WorkerHeader>(store, prefix, numParams);
  const { optimizerStep, ...rest } = state;
  return { ...rest, params: tensors.params, accumulated: tensors.accumulated, optimizer: optimizerFromTensors(optimizerStep, tensors) };
}

/** What the supervisor knows about one worker's report for the step being collected. */
export interface ReportedStep {
  loss: number;
  samples: number;
  updateKey: string | null;
  updateEntries: number;
  updateBytes: number;
}

export interface SupervisorState {
  /** 'collecting' reports for `step`, or 'finishing' (the stop was sent; waiting for the workers' reports). */
  phase: 'collecting' | 'finishing';
  step: number;
  reports: Record<number, ReportedStep>;
  /** When the wait for this step's reports began (epoch ms). */
  waitingSince: number;
  /** Global training loss per step (sample-weighted mean over the workers). */
  lossHistory: number[];
  underTarget: number;
  /** When training began (epoch ms): the time budget counts from here. */
  startedAt: number;
  /** The previous step's update keys: deleted once every worker has reported the next step. */
  staleKeys: string[];
  stop?: { step: number; reason: StopReason };
  updates: UpdateStats;
  traffic: TrafficSnapshot;
  invocations: number;
}

export function saveSupervisorCheckpoint(store: ObjectStore, key: string, state: SupervisorState): Promise<void> {
  return saveJson(store, key, state);
}

export async function loadSupervisorCheckpoint(store: ObjectStore, key: string): Promise<SupervisorState> {
  const state = await loadJson<SupervisorState>(store, key);
  if (!state) throw new Error(`no supervisor checkpoint at ${key} to resume from`);
  return state;
}
