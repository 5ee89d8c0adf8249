import type { DuplicateInProgress } from '../../functions/idempotency';
import type { FunctionInvoker } from '../../functions/invoker';
import { initBackend, type BackendInfo } from '../../ml/backend';
import { downloadShard, downloadTestSet, loadManifest } from '../../ml/data/bucket';
import type { Dataset } from '../../ml/data/types';
import { createModel, type FlatModel, type ModelKind } from '../../ml/models';
import { calibrateFromTraining } from '../../ml/models/calibration-rows';
import type { TrafficCounter } from '../../metrics/traffic';
import type { ObjectStore } from '../../stores/types';
import type { Logger } from '../../util/log';

// What the data-parallel worker functions (the LambdaML collectives, the parameter server's and
// MLLESS's workers) share: the clients every one of them is given, what each invocation loads to
// train with, and how an invocation ends.

export interface DataParallelWorkerDeps {
  /** The service's bucket: dataset, run status, checkpoints, reports. */
  store: ObjectStore;
  traffic: TrafficCounter;
  invoker: FunctionInvoker;
  workerFunctionName: string;
  remainingTimeMs: () => number;
  log: Logger;
}

/** Finished training, or handed over to its next invocation before Lambda's time limit (or a duplicate delivery). */
export type DataParallelWorkerOutcome =
  | DuplicateInProgress
  | { status: 'finished'; runId: string; rank: number; paramsDigest: string }
  | { status: 'handed-over'; runId: string; rank: number; epoch: number; step: number; invocation: number };

/** What one invocation of a worker trains with. */
export interface WorkerData {
  backend: BackendInfo;
  /** This worker's shard of the training rows. */
  shard: Dataset;
  /** The test set, for worker 0 only: it evaluates each epoch. */
  testSet?: Dataset;
  model: FlatModel;
}

/**
 * Loads what worker `rank` trains with (the backend, its shard, worker 0's test set, the model)
 * and runs `train` with it. The model is disposed afterwards: a warm sandbox may serve another
 * invocation next, and tfjs memory is not garbage-collected.
 */
export async function withWorkerData<T>(
  store: ObjectStore, event: { manifestKey: string; rank: number; numWorkers: number; config: { model: ModelKind } },
  train: (data: WorkerData) => Promise<T>,
): Promise<T> {
  const { rank } = event;
  const backend = await initBackend();
  const manifest = await loadManifest(store, event.manifestKey, event.numWorkers);
  const shard = await downloadShard(store, manifest, rank);
  const testSet = rank === 0 ? await downloadTestSet(store, manifest) : undefined;
  const model = createModel(event.config.model, { inputShape: manifest.train[rank].featureShape, numClasses: manifest.train[rank].numClasses });
  calibrateFromTraining(model, shard);
  try {
    return await train({ backend, shard, testSet, model });
  } finally {
    model.dispose();
  }
}
