import { initBackend, type BackendInfo } from '../../ml/backend';
import { stepsPerEpoch } from '../../ml/data/batches';
import { downloadShard, downloadTestSet, loadManifest } from '../../ml/data/bucket';
import { calibrateFromTraining } from '../../ml/models/calibration-rows';
import { createModel } from '../../ml/models';
import { createOptimizer } from '../../ml/optimizers';
import { deriveSeed, shuffledIndices } from '../../ml/random';
import { encodeTensor, sha256Hex } from '../../ml/tensor';
import type { TrafficCounter } from '../../metrics/traffic';
import { loadJson, saveJson } from '../../stores/json';
import type { ObjectStore } from '../../stores/types';
import type { Logger } from '../../util/log';
import { optimizerConfig } from '../run/optimizer-config';
import type { RunDone, WorkerReport } from '../run/reports';
import { runKeys } from '../run/run-keys';
import { markRunFailed } from '../run/run-status';
import { parseOrThrow, type TrainingConfig } from '../run/training-config';
import { recordEpoch } from '../run/worker-reports';
import { dataParallelBatch } from './data-parallel-batch';
import { gpuRunRecordSchema, type GpuRunRecord } from './events';

export interface GpuTrainerDeps {
  store: ObjectStore;
  traffic: TrafficCounter;
  log: Logger;
  /** Chooses the tfjs backend (default: tfjs-node-gpu, then tfjs-node, then wasm). */
  initBackend?: () => Promise<BackendInfo>;
}

export type GpuRunOutcome =
  | { status: 'finished'; runId: string; paramsDigest: string; backend: string }
  | { status: 'already-done'; runId: string };

/** The GPU trainer loads the CUDA build of TensorFlow when it can, else the CPU one, else wasm. */
export const GPU_NATIVE_MODULES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

export const initGpuBackend = (): Promise<BackendInfo> => initBackend('auto', { nativeModules: GPU_NATIVE_MODULES });

/**
 * The GPU baseline (docs/frameworks/gpu.md): one process trains the run recorded in the bucket on the
 * whole training set, with the hyperparameters of the data-parallel run it is compared against
 * (config.workers × config.batchSize rows per step, the same learning rate; see
 * data-parallel-batch.ts), and leaves the same epoch summaries, progress and done files as the
 * serverless frameworks, so everything that follows a run (mltrain, results file) follows it too.
 */
export async function trainGpuRun(runId: string, deps: GpuTrainerDeps): Promise<GpuRunOutcome> {
  const log = deps.log.child({ runId });
  try {
    return await train(runId, deps, log);
  } catch (err) {
    const failure = await markRunFailed(deps.store, runId, (err as Error).message, 'gpu trainer').catch(() => undefined);
    log.error('training failed', { error: err as Error, reason: failure?.reason });
    throw err;
  }
}

export async function readGpuRunRecord(store: ObjectStore, runId: string): Promise<GpuRunRecord> {
  const json = await loadJson(store, runKeys(runId).config);
  if (json === undefined) throw new Error(`run ${runId} has no ${runKeys(runId).config} in the bucket: start it with the trigger`);
  const record = parseOrThrow(gpuRunRecordSchema, json, `run record ${runKeys(runId).config}`);
  if (record.runId !== runId) throw new Error(`run record ${runKeys(runId).config} names run ${record.runId}, not ${runId}`);
  return record;
}

async function train(runId: string, deps: GpuTrainerDeps, log: Logger): Promise<GpuRunOutcome> {
  const { store } = deps;
  const keys = runKeys(runId);
  const { config, manifestKey } = await readGpuRunRecord(store, runId);
  if (await store.load(keys.done)) {
    log.info('run already finished; nothing to do');
    return { status: 'already-done', runId };
  }
  const backend = await (deps.initBackend ?? initGpuBackend)();
  const manifest = await loadManifest(store, manifestKey, config.workers);
  const shards = await Promise.all(manifest.train.map((_, r) => downloadShard(store, manifest, r)));
  const testSet = await downloadTestSet(store, manifest);
  const model = createModel(config.model, { inputShape: manifest.train[0].featureShape, numClasses: manifest.train[0].numClasses });
  calibrateFromTraining(model, shards[0]); // worker 0's rows, as the data-parallel worker 0 uses
  const optimizer = createOptimizer(optimizerConfig(config), model.numParams);
  const params = model.initialParams(config.seed); // the same initial model as every worker's
  const steps = stepsPerEpoch(shards[0].count, config.batchSize);
  log.info('trainer started', {
    backend: backend.name, backendDetail: backend.detail, rows: shards.reduce((n, s) => n + s.count, 0),
    rowsPerStep: config.workers * config.batchSize, stepsPerEpoch: steps, params: model.numParams,
  });

  for (let epoch = 1; epoch <= config.epochs; epoch++) {
    const startedAt = Date.now();
    // Worker r's order for this epoch, exactly as the data-parallel workers draw it.
    const orders = shards.map((shard, r) => shuffledIndices(shard.count, deriveSeed(config.seed, epoch, r)));
    let lossSum = 0;
    let computeMs = 0;
    let updateMs = 0;
    for (let step = 0; step < steps; step++) {
      const t0 = performance.now();
      model.setParams(params);
      const { loss, grad } = model.gradient(dataParallelBatch(shards, orders, step, config.batchSize));
      const t1 = performance.now();
      optimizer.step(params, grad);
      const t2 = performance.now();
      lossSum += loss;
      computeMs += t1 - t0;
      updateMs += t2 - t1;
    }
    const stats = { lossSum, steps, computeSeconds: computeMs / 1000, syncSeconds: 0, updateSeconds: updateMs / 1000, startedAt };
    const { progress, summary } = await recordEpoch(store, runId, { rank: 0, epoch, stats, traffic: deps.traffic.snapshot() }, { model, params, testSet });
    log.info('epoch finished', { ...summary, trainLoss: progress.trainLoss });
  }
  return finish(runId, config, params, backend, deps, log);
}

async function finish(
  runId: string, config: TrainingConfig, params: Float32Array, backend: BackendInfo, deps: GpuTrainerDeps, log: Logger,
): Promise<GpuRunOutcome> {
  const keys = runKeys(runId);
  const paramsDigest = sha256Hex(params);
  await deps.store.save(keys.finalModel, encodeTensor(params));
  const report: WorkerReport = { rank: 0, backend: backend.name, paramsDigest, invocations: 1, traffic: deps.traffic.snapshot() };
  await saveJson(deps.store, keys.report(0), report);
  const done: RunDone = { paramsDigest, numParams: params.length, finishedAt: new Date().toISOString(), reports: [report] };
  await saveJson(deps.store, keys.done, done);
  log.info('trainer finished', { paramsDigest, epochs: config.epochs });
  return { status: 'finished', runId, paramsDigest, backend: backend.name };
}
