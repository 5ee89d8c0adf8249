import { decodeTensor, encodeTensor } from '../../ml/tensor';
import type { OptimizerState } from '../../ml/optimizers';
import type { TrafficSnapshot } from '../../metrics/traffic';
import { loadJson, saveJson } from '../../stores/json';
import type { ObjectStore } from '../../stores/types';
import type { EpochStats } from '../worker-reports';
import type { StopReason } from './stop-rule';

// What MLLESS's functions write before handing over to their next invocation. A worker's tensors
// (parameters, the update still accumulating, optimizer buffers) stay float32 binary; the JSON
// header goes last, so a checkpoint without it is incomplete and is never read.

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

type WorkerHeader = Omit<WorkerState, 'params' | 'accumulated' | 'optimizer'> & {
  numParams: number;
  optimizerStep: number;
  optimizerBuffers: string[];
};

export async function saveWorkerCheckpoint(store: ObjectStore, prefix: string, state: WorkerState): Promise<void> {
  const { params, accumulated, optimizer, ...rest } = state;
  const names = Object.keys(optimizer.buffers);
  await Promise.all([
    store.save(`${prefix}params.f32`, encodeTensor(params)),
    store.save(`${prefix}accumulated.f32`, encodeTensor(accumulated)),
    ...names.map((name) => store.save(`${prefix}opt-${name}.f32`, encodeTensor(optimizer.buffers[name]))),
  ]);
  const header: WorkerHeader = { ...rest, numParams: params.length, optimizerStep: optimizer.step, optimizerBuffers: names };
  await saveJson(store, `${prefix}state.json`, header);
}

export async function loadWorkerCheckpoint(store: ObjectStore, prefix: string, numParams: number): Promise<WorkerState> {
  const header = await loadJson<WorkerHeader>(store, `${prefix}state.json`);
  if (!header) throw new Error(`no checkpoint at ${prefix}state.json to resume from`);
  if (header.numParams !== numParams) throw new Error(`checkpoint at ${prefix} holds ${header.numParams} parameters, the model has ${numParams}`);
  const load = async (name: string): Promise<Float32Array> => {
    const bytes = await store.load(`${prefix}${name}`);
    if (!bytes) throw new Error(`checkpoint file ${prefix}${name} is missing`);
    return decodeTensor(bytes, numParams);
  };
  const buffers: Record<string, Float32Array> = {};
  for (const name of header.optimizerBuffers) buffers[name] = await load(`opt-${name}.f32`);
  const { numParams: _n, optimizerStep, optimizerBuffers: _b, ...rest } = header;
  return { ...rest, params: await load('params.f32'), accumulated: await load('accumulated.f32'), optimizer: { step: optimizerStep, buffers } };
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
