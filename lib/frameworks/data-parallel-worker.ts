import type { FunctionInvoker } from '../functions/invoker';
import type { TrafficCounter } from '../metrics/traffic';
import type { ObjectStore } from '../stores/types';
import type { Logger } from '../util/log';

// What the data-parallel worker functions (the LambdaML collectives, the parameter server's
// workers) share: the clients every one of them is given, and how an invocation ends.

export interface DataParallelWorkerDeps {
  /** The service's bucket: dataset, run status, checkpoints, reports. */
  store: ObjectStore;
  traffic: TrafficCounter;
  invoker: FunctionInvoker;
  workerFunctionName: string;
  remainingTimeMs: () => number;
  log: Logger;
}

/** Finished training, or handed over to its next invocation before Lambda's time limit. */
export type DataParallelWorkerOutcome =
  | { status: 'finished'; runId: string; rank: number; paramsDigest: string }
  | { status: 'handed-over'; runId: string; rank: number; epoch: number; step: number; invocation: number };
