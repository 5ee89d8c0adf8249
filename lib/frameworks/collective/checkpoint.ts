import type { CommunicatorState } from '../../comm';
import type { OptimizerState } from '../../ml/optimizers';
import type { TrafficSnapshot } from '../../metrics/traffic';
import type { ObjectStore } from '../../stores/types';
import { loadCheckpointFiles, optimizerFromTensors, optimizerTensors, saveCheckpointFiles } from '../run/checkpoint-files';
import type { EpochStats } from '../run/worker-reports';

// What a collective worker hands over to its next invocation: the position in the loop, the
// parameters, the optimizer's buffers and the running statistics (checkpoint-files.ts lays them out).

export interface WorkerState {
  epoch: number;
  step: number;
  params: Float32Array;
  optimizer: OptimizerState;
  comm: CommunicatorState;
  epochStats: EpochStats;
  traffic: TrafficSnapshot;
  invocations: number;
}

type Header = Omit<WorkerState, 'params' | 'optimizer'> & { optimizerStep: number };

export function saveCheckpoint(store: ObjectStore, prefix: string, state: WorkerState): Promise<void> {
  const { params, optimizer, ...rest } = state;
  const header: Header = { ...rest, optimizerStep: optimizer.step };
  return saveCheckpointFiles(store, prefix, params.length, { params, ...optimizerTensors(optimizer) }, header);
}

export async function loadCheckpoint(store: ObjectStore, prefix: string, numParams: number): Promise<WorkerState> {
  const { state, tensors } = await loadCheckpointFiles<Header>(store, prefix, numParams);
  const { optimizerStep, ...rest } = state;
  return { ...rest, params: tensors.params, optimizer: optimizerFromTensors(optimizerStep, tensors) };
}
