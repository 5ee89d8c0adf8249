import { status } from '@grpc/grpc-js';
import { OutOfTimeError } from '../../comm';
import { batchAt, stepsPerEpoch } from '../../ml/data/batches';
import type { Dataset } from '../../ml/data/types';
import type { FlatModel } from '../../ml/models';
import { deriveSeed, shuffledIndices } from '../../ml/random';
import { emptyTraffic } from '../../metrics/traffic';
import { ParameterServerCallError, type ParameterServerClient, type PulledModel } from '../../ps/client';
import type { OptimizerConfigMessage } from '../../ps/proto';
import type { ObjectStore } from '../../stores/types';
import type { DataParallelWorkerEvent as WorkerEvent } from '../run/events';
import { optimizerConfig } from '../run/optimizer-config';
import { runKeys } from '../run/run-keys';
import { RunFailedError, throwIfRunFailed } from '../run/run-status';
import { TimeBudget } from '../run/time-budget';
import type { TrainingConfig } from '../run/training-config';
import type { DataParallelWorkerDeps, DataParallelWorkerOutcome, WorkerData } from '../run/worker-data';
import { runWorkerInvocation, type WorkerInvocation } from '../run/worker-lifecycle';
import { addStep, newEpochStats } from '../run/worker-reports';
import { loadPsCheckpoint, savePsCheckpoint, type PsWorkerState } from './checkpoint';

export interface PsWorkerDeps extends DataParallelWorkerDeps {
  ps: ParameterServerClient;
}

type PsWorker = WorkerInvocation<WorkerEvent, PsWorkerDeps>;

/**
 * One worker of LambdaML's hybrid parameter server (docs/frameworks/ps.md): for every batch of its shard,
 * pull the current model, compute the gradient, push it. The server applies the mean of the N
 * workers' gradients with the run's optimizer, so step g is computed on model version g.
 */
export function runPsWorker(event: WorkerEvent, deps: PsWorkerDeps): Promise<DataParallelWorkerOutcome> {
  return runWorkerInvocation(event, deps, train, {
    explain: (err) => explain(err, deps.store, event.runId),
    // Dropping the model ends the other workers' waits at once (ABORTED) instead of at their deadline.
    onFailed: () => deps.ps.delete(event.runId),
  });
}

/** A failure as worth reporting: the run's recorded failure when the server only says the model is gone. */
async function explain(err: unknown, store: ObjectStore, runId: string): Promise<Error> {
  if (err instanceof ParameterServerCallError) {
    if (err.code === status.ABORTED || err.code === status.NOT_FOUND) {
      const recorded = await throwIfRunFailed(store, runId).then(() => undefined, (e: unknown) => e);
      if (recorded instanceof RunFailedError) return recorded;
    }
    // A wait that ran out names the workers the server waited for: that is the message.
    if (err.code === status.DEADLINE_EXCEEDED) return new Error(`parameter server: ${err.details}`);
  }
  return err as Error;
}

async function train(w: PsWorker, data: WorkerData): Promise<DataParallelWorkerOutcome> {
  const { event, deps, log } = w;
  const { runId, rank, numWorkers, config } = event;
  const { store, ps } = deps;
  const { backend, shard, testSet, model } = data;
  const keys = runKeys(runId);
  const budget = new TimeBudget(deps.remainingTimeMs);
  const steps = stepsPerEpoch(shard.count, config.batchSize);

  const state = await w.resume(() => loadPsCheckpoint(store, keys.checkpoint(rank)), freshState);
  // A worker starting late must not create a model for a run that has already failed.
  await throwIfRunFailed(store, runId);
  // Joining is idempotent: a later invocation rejoins, and the server keeps the model it has.
  const joined = await ps.register({ runId, rank, numWorkers, optimizer: optimizerMessage(config), initialParams: model.initialParams(config.seed) });
  if (joined.created && (state.epoch > 1 || state.step > 0)) {
    throw new Error(`the parameter server at ${ps.endpoint} no longer holds run ${runId}'s model (restarted, or the model expired), so worker ${rank} cannot resume at epoch ${state.epoch}, batch ${state.step}`);
  }
  log.info('worker started', { backend: backend.name, epoch: state.epoch, step: state.step, shardSize: shard.count, params: model.numParams, serverVersion: joined.version });

  const pull = modelPuller(w, budget, model.numParams);

  try {
    for (; state.epoch <= config.epochs; state.epoch++, state.step = 0) {
      const order = shuffledIndices(shard.count, deriveSeed(config.seed, state.epoch, rank));
      for (; state.step < steps; state.step++) {
        if (budget.shouldHandOver()) return await handOver(w, state);
        const version = (state.epoch - 1) * steps + state.step;
        const t0 = performance.now();
        const current = await pull(version);
        const t1 = performance.now();
        model.setParams(current.params);
        const { loss, grad } = model.gradient(batchAt(shard, order, state.step, config.batchSize));
        const t2 = performance.now();
        await ps.push(runId, rank, version, grad);
        const t3 = performance.now();
        // The update happens on the server; its time comes with the pulled model.
        addStep(state.epochStats, loss, { computeMs: t2 - t1, syncMs: (t1 - t0) + (t3 - t2), updateMs: current.updateSeconds * 1000 });
        budget.recordStep(t3 - t0);
      }
      await finishEpoch(w, state, model, testSet, () => pull(state.epoch * steps));
    }
    const final = await pull(config.epochs * steps);
    // Every worker has reported, so every worker has pulled the final model: the server can drop it.
    return await w.finishRun(final.params, backend.name, () => deps.ps.delete(runId), { version: final.version });
  } catch (err) {
    // Nothing of the current step is lost: the next invocation pulls the same version again, and
    // a gradient it pushes again for the same step overwrites this one's (the same bytes).
    if (err instanceof OutOfTimeError) return handOver(w, state);
    throw err;
  }
}

/**
 * Pulls model version `version`, waiting for the other workers as long as the sync timeout and the
 * invocation allow. The epoch's end is pulled for evaluation and again for the next step: the
 * last model pulled is kept.
 */
function modelPuller(w: PsWorker, budget: TimeBudget, numParams: number) {
  const { event: { runId, rank, config }, deps: { ps } } = w;
  let latest: PulledModel | undefined;
  return async (version: number): Promise<PulledModel> => {
    if (latest?.version === version) return latest;
    const syncMs = config.syncTimeoutSeconds * 1000;
    const budgetMs = w.deps.remainingTimeMs() - budget.handOverCostMs();
    const waitMs = Math.min(syncMs, budgetMs);
    if (waitMs <= 0) throw new OutOfTimeError(`model version ${version}`);
    try {
      const pulled = await ps.pull(runId, rank, version, waitMs, numParams);
      if (pulled.version !== version) throw new Error(`the server returned model version ${pulled.version} for step ${version}: another process pushed for worker ${rank}`);
      latest = pulled;
      return pulled;
    } catch (err) {
      if (err instanceof ParameterServerCallError && err.code === status.DEADLINE_EXCEEDED && waitMs < syncMs) throw new OutOfTimeError(`model version ${version}`);
      throw err;
    }
  };
}

function freshState(): PsWorkerState {
  return { epoch: 1, step: 0, epochStats: newEpochStats(), traffic: emptyTraffic(), invocations: 1 };
}

/** The run's optimizer, as the server builds it (the same settings AllReduce's workers use). */
export function optimizerMessage(config: TrainingConfig): OptimizerConfigMessage {
  const o = optimizerConfig(config);
  return { kind: o.kind, lr: o.lr, momentum: o.kind === 'sgd' ? o.momentum : 0, weight_decay: o.weightDecay };
}

function handOver(w: PsWorker, state: PsWorkerState): Promise<DataParallelWorkerOutcome> {
  return w.handOver(state, (s) => savePsCheckpoint(w.deps.store, runKeys(w.event.runId).checkpoint(w.event.rank), s), { epoch: state.epoch, step: state.step });
}

async function finishEpoch(
  w: PsWorker, state: PsWorkerState, model: FlatModel, testSet: Dataset | undefined, pullEpochEnd: () => Promise<PulledModel>,
): Promise<void> {
  // The model after the epoch's last update: waits for the slowest worker's last gradient.
  const end = testSet && await pullEpochEnd();
  await w.finishEpoch(state, state.epoch, end && testSet && { model, params: end.params, testSet }, { version: end?.version });
}
