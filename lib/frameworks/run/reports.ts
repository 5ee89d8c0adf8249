import type { TrafficSnapshot } from '../../metrics/traffic';

// The small JSON objects a run leaves in the bucket, from which the CLI builds the results file.

/** Written by every worker at the end of each epoch. */
export interface EpochProgress {
  rank: number;
  epoch: number;
  steps: number;
  trainLoss: number;
  computeSeconds: number;
  syncSeconds: number;
  updateSeconds: number;
  /** Cumulative since the start of the run. */
  traffic: TrafficSnapshot;
}

/** Written by worker 0 after evaluating on the test set. */
export interface EpochSummary {
  epoch: number;
  seconds: number;
  testLoss: number;
  testAccuracy: number;
  evalSeconds: number;
}

/** Written by every worker when its training ends. */
export interface WorkerReport {
  rank: number;
  /** The TensorFlow.js backend the worker computed on (tensorflow, wasm or cpu). */
  backend: string;
  paramsDigest: string;
  invocations: number;
  traffic: TrafficSnapshot;
}

/** Written by worker 0 once every worker has reported. */
export interface RunDone {
  paramsDigest: string;
  numParams: number;
  finishedAt: string;
  reports: WorkerReport[];
  /** Epochs evaluated, when a run stopped before its configured epochs (MLLESS's stop rule). */
  epochs?: number;
  /** Traffic of a function that is not a worker (MLLESS's supervisor), added to the run's. */
  coordinatorTraffic?: TrafficSnapshot;
  /** Framework-specific figures, copied to the results file. */
  details?: Record<string, unknown>;
}
