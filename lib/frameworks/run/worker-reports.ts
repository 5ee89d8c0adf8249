import type { Dataset } from '../../ml/data/types';
import type { FlatModel } from '../../ml/models';
import { encodeTensor } from '../../ml/tensor';
import type { TrafficSnapshot } from '../../metrics/traffic';
import { saveJson } from '../../stores/json';
import type { ObjectStore } from '../../stores/types';
import type { EpochProgress, EpochSummary, RunDone, WorkerReport } from './reports';
import { RunFailedError, throwIfRunFailed } from './run-status';
import { runKeys } from './run-keys';

// What every framework's workers leave in the bucket as a run goes: per-epoch progress and the
// test-set summary, the end-of-training reports, and (from worker 0) the final model and `done`.
// The CLI builds the results file from these alone, so one writer keeps every framework's alike.

/** A worker's running figures for the epoch it is in. */
export interface EpochStats {
  lossSum: number;
  steps: number;
  computeSeconds: number;
  syncSeconds: number;
  updateSeconds: number;
  startedAt: number;
}

export function newEpochStats(): EpochStats {
  return { lossSum: 0, steps: 0, computeSeconds: 0, syncSeconds: 0, updateSeconds: 0, startedAt: Date.now() };
}

export function addStep(s: EpochStats, loss: number, times: { computeMs: number; syncMs: number; updateMs: number }): void {
  s.lossSum += loss;
  s.steps += 1;
  s.computeSeconds += times.computeMs / 1000;
  s.syncSeconds += times.syncMs / 1000;
  s.updateSeconds += times.updateMs / 1000;
}

/** The worker that holds the test set evaluates these parameters on it at the end of each epoch. */
export interface EpochEvaluation {
  model: FlatModel;
  params: Float32Array;
  testSet: Dataset;
}

/**
 * Saves `rank`'s progress for `epoch` and, given an evaluation, the epoch's test-set summary.
 * Returns both, for the caller's log line.
 */
export async function recordEpoch(
  store: ObjectStore, runId: string,
  epoch: { rank: number; epoch: number; stats: EpochStats; traffic: TrafficSnapshot },
  evaluation?: EpochEvaluation,
): Promise<{ progress: EpochProgress; summary?: EpochSummary }> {
  const keys = runKeys(runId);
  const { rank, stats: s, traffic } = epoch;
  const progress: EpochProgress = {
    rank, epoch: epoch.epoch, steps: s.steps, trainLoss: s.lossSum / Math.max(1, s.steps),
    computeSeconds: s.computeSeconds, syncSeconds: s.syncSeconds, updateSeconds: s.updateSeconds, traffic,
  };
  await saveJson(store, keys.progress(epoch.epoch, rank), progress);
  if (!evaluation) return { progress };
  const seconds = (Date.now() - s.startedAt) / 1000;
  const t0 = performance.now();
  const { model, params, testSet } = evaluation;
  model.setParams(params);
  const { loss, accuracy } = model.evaluate({ x: testSet.x, y: testSet.y, count: testSet.count });
  const summary: EpochSummary = {
    epoch: epoch.epoch, seconds, testLoss: loss, testAccuracy: accuracy, evalSeconds: (performance.now() - t0) / 1000,
  };
  await saveJson(store, keys.epochSummary(epoch.epoch), summary);
  return { progress, summary };
}

/** Every worker's end-of-training report, waiting up to `timeoutMs` for each (and stopping if the run failed). */
export async function gatherWorkerReports(store: ObjectStore, runId: string, numWorkers: number, timeoutMs: number): Promise<WorkerReport[]> {
  const keys = runKeys(runId);
  const reports: WorkerReport[] = [];
  for (let rank = 0; rank < numWorkers; rank++) {
    const bytes = await store.loadOrWait(keys.report(rank), {
      timeoutMs, initialDelayMs: 10, maxDelayMs: 500, checkAbort: () => throwIfRunFailed(store, runId),
    }).catch((err: unknown) => {
      if (err instanceof RunFailedError) throw err;
      throw new Error(`worker ${rank} did not report the end of its training within ${Math.round(timeoutMs / 1000)} s`);
    });
    reports.push(JSON.parse(bytes.toString('utf8')) as WorkerReport);
  }
  return reports;
}

/**
 * Worker 0's end of a data-parallel run: waits for every worker's report, refuses to finish if any
 * ended with other parameters than its own, then saves the final model, drops the checkpoints,
 * runs `cleanUp` (what only a finished run may delete: every worker is past its last read) and
 * writes `done`.
 */
export async function concludeRun(
  store: ObjectStore, runId: string, final: { params: Float32Array; paramsDigest: string },
  wait: { numWorkers: number; timeoutMs: number }, cleanUp?: () => Promise<unknown>,
): Promise<RunDone> {
  const { params, paramsDigest } = final;
  const keys = runKeys(runId);
  const reports = await gatherWorkerReports(store, runId, wait.numWorkers, wait.timeoutMs);
  const diverged = reports.filter((r) => r.paramsDigest !== paramsDigest).map((r) => r.rank);
  if (diverged.length) throw new Error(`workers ${diverged.join(', ')} ended with parameters different from worker 0's`);
  await store.save(keys.finalModel, encodeTensor(params));
  await store.clear(`${keys.root}checkpoints/`);
  await cleanUp?.();
  const done: RunDone = { paramsDigest, numParams: params.length, finishedAt: new Date().toISOString(), reports };
  await saveJson(store, keys.done, done);
  return done;
}
