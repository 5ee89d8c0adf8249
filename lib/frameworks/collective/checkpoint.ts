import type { CommunicatorState } from '../../comm';
import { decodeTensor, encodeTensor } from '../../ml/tensor';
import type { TrafficSnapshot } from '../../metrics/traffic';
import { loadJson, saveJson } from '../../stores/json';
import type { ObjectStore } from '../../stores/types';
import type { EpochStats } from '../worker-reports';

// What a worker writes before handing over to its next invocation: the position in the loop, the
// parameters, the optimizer's buffers and the running statistics. Tensors stay float32 binary.

export interface WorkerState {
  epoch: number;
  step: number;
  params: Float32Array;
  optimizer: { step: number; buffers: Record<string, Float32Array> };
  comm: CommunicatorState;
  epochStats: EpochStats;
  traffic: TrafficSnapshot;
  invocations: number;
}

interface CheckpointHeader {
  epoch: number;
  step: number;
  optimizerStep: number;
  optimizerBuffers: string[];
  numParams: number;
  comm: WorkerState['comm'];
  epochStats: EpochStats;
  traffic: TrafficSnapshot;
  invocations: number;
}

export async function saveCheckpoint(store: ObjectStore, prefix: string, state: WorkerState): Promise<void> {
  const names = Object.keys(state.optimizer.buffers);
  await Promise.all([
    store.save(`${prefix}params.f32`, encodeTensor(state.params)),
    ...names.map((name) => store.save(`${prefix}opt-${name}.f32`, encodeTensor(state.optimizer.buffers[name]))),
  ]);
  const header: CheckpointHeader = {
    epoch: state.epoch, step: state.step, optimizerStep: state.optimizer.step, optimizerBuffers: names,
    numParams: state.params.length, comm: state.comm, epochStats: state.epochStats, traffic: state.traffic,
    invocations: state.invocations,
  };
  // The header goes last: a checkpoint without it is incomplete and is never read.
  await saveJson(store, `${prefix}state.json`, header);
}

export async function loadCheckpoint(store: ObjectStore, prefix: string, numParams: number): Promise<WorkerState> {
  const header = await loadJson<CheckpointHeader>(store, `${prefix}state.json`);
  if (!header) throw new Error(`no checkpoint at ${prefix}state.json to resume from`);
  if (header.numParams !== numParams) {
    throw new Error(`checkpoint at ${prefix} holds ${header.numParams} parameters, the model has ${numParams}`);
  }
  const load = async (key: string, length: number): Promise<Float32Array> => {
    const bytes = await store.load(key);
    if (!bytes) throw new Error(`checkpoint file ${key} is missing`);
    return decodeTensor(bytes, length);
  };
  const buffers: Record<string, Float32Array> = {};
  for (const name of header.optimizerBuffers) buffers[name] = await load(`${prefix}opt-${name}.f32`, numParams);
  return {
    epoch: header.epoch,
    step: header.step,
    params: await load(`${prefix}params.f32`, numParams),
    optimizer: { step: header.optimizerStep, buffers },
    comm: header.comm,
    epochStats: header.epochStats,
    traffic: header.traffic,
    invocations: header.invocations,
  };
}
