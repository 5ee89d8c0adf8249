import { status } from '@grpc/grpc-js';
import { OutOfTimeError } from '../../comm';
import { batchAt, stepsPerEpoch } from '../../ml/data/batches';
import type { Dataset } from '../../ml/data/types';
import type { FlatModel } from '../../ml/models';
import { deriveSeed, shuffledIndices } from '../../ml/random';
import { sha256Hex } from '../../ml/tensor';
import { emptyTraffic } from '../../metrics/traffic';
import { ParameterServerCallError, type ParameterServerClient, type PulledModel } from '../../ps/client';
import type { OptimizerConfigMessage } from '../../ps/proto';
import { saveJson } from '../../stores/json';
import type { ObjectStore } from '../../stores/types';
import type { Logger } from '../../util/log';
import type { WorkerReport } from '../run/reports';
import { withWorkerData, type DataParallelWorkerDeps, type DataParallelWorkerOutcome, type WorkerData } from '../run/worker-data';
import { markRunFailed, RunFailedError, throwIfRunFailed } from '../run/run-status';
import { runKeys } from '../run/run-keys';
import { TimeBudget } from '../run/time-budget';
import type { TrainingConfig } from '../run/training-config';
import { addStep, concludeRun, newEpochStats, recordEpoch } from '../run/worker-reports';
import { loadPsCheckpoint, savePsCheckpoint, type PsWorkerState } from './checkpoint';
import type { WorkerEvent } from './events';

export interface PsWorkerDeps extends DataParallelWorkerDeps {
  ps: ParameterServerClient;
}

/**
 * One worker of LambdaML's hybrid parameter server (frameworks.md §3): for every batch of its shard,
 * pull the current model, compute the gradient, push it. The server applies the mean of the N
 * workers' gradients with the run's optimizer, so step g is computed on model version g.
 */
export async function runPsWorker(event: WorkerEvent, deps: PsWorkerDeps): Promise<DataParallelWorkerOutcome> {
  const { runId, rank } = event;
  const log = deps.log.child({ runId, rank, invocation: event.invocation });
  try {
    return await withWorkerData(deps.store, event, (data) => train(event, deps, data, log));
  } catch (err) {
    const cause = await explain(err, deps.store, runId);
    if (cause instanceof RunFailedError) {
      log.error('stopping: the run was failed elsewhere', { reason: cause.failure.reason });
      throw cause;
    }
    const failure = await markRunFailed(deps.store, runId, cause.message, `worker ${rank}`).catch(() => undefined);
    // Dropping the model ends the other workers' waits at once (ABORTED) instead of at their deadline.
    await deps.ps.delete(runId).catch(() => undefined);
    log.error('worker failed', { error: cause, reason: failure?.reason });
    throw cause;
  }
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

async function train(event: WorkerEvent, deps: PsWorkerDeps, data: WorkerData, log: Logger): Promise<DataParallelWorkerOutcome> {
  const { runId, rank, numWorkers, config } = event;
  const { store, ps } = deps;
  const { backend, shard, testSet, model } = data;
  const keys = runKeys(runId);
  const budget = new TimeBudget(deps.remainingTimeMs);
  const steps = stepsPerEpoch(shard.count, config.batchSize);

  const state = event.invocation > 1 ? await loadPsCheckpoint(store, keys.checkpoint(rank)) : freshState();
  deps.traffic.restore(state.traffic);
  state.invocations = event.invocation;
  // A worker starting late must not create a model for a run that has already failed.
  await throwIfRunFailed(store, runId);
  // Joining is idempotent: a later invocation rejoins, and the server keeps the model it has.
  const joined = await ps.register({ runId, rank, numWorkers, optimizer: optimizerMessage(config), initialParams: model.initialParams(config.seed) });
  if (joined.created && (state.epoch > 1 || state.step > 0)) {
    throw new Error(`the parameter server at ${ps.endpoint} no longer holds run ${runId}'s model (restarted, or the model expired), so worker ${rank} cannot resume at epoch ${state.epoch}, batch ${state.step}`);
  }
  log.info('worker started', { backend: backend.name, epoch: state.epoch, step: state.step, shardSize: shard.count, params: model.numParams, serverVersion: joined.version });

  /** Model version `version`, waiting for the other workers as long as the sync timeout and the invocation allow. */
  let latest: PulledModel | undefined; // the epoch's end is pulled for evaluation and again for the next step
  const pull = async (version: number): Promise<PulledModel> => {
    if (latest?.version === version) return latest;
    const syncMs = config.syncTimeoutSeconds * 1000;
    const budgetMs = deps.remainingTimeMs() - budget.handOverCostMs();
    const waitMs = Math.min(syncMs, budgetMs);
    if (waitMs <= 0) throw new OutOfTimeError(`model version ${version}`);
    try {
      const pulled = await ps.pull(runId, rank, version, waitMs, model.numParams);
      if (pulled.version !== version) throw new Error(`the server returned model version ${pulled.version} for step ${version}: another process pushed for worker ${rank}`);
      latest = pulled;
      return pulled;
    } catch (err) {
      if (err instanceof ParameterServerCallError && err.code === status.DEADLINE_EXCEEDED && waitMs < syncMs) throw new OutOfTimeError(`model version ${version}`);
      throw err;
    }
  };

  try {
    for (; state.epoch <= config.epochs; state.epoch++, state.step = 0) {
      const order = shuffledIndices(shard.count, deriveSeed(config.seed, state.epoch, rank));
      for (; state.step < steps; state.step++) {
        if (budget.shouldHandOver()) return await handOver(event, deps, state, log);
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
      await finishEpoch(event, deps, state, model, testSet, () => pull(state.epoch * steps), log);
    }
    return await finishRun(event, deps, await pull(config.epochs * steps), backend.name, log);
  } catch (err) {
    // Nothing of the current step is lost: the next invocation pulls the same version again, and
    // a gradient it pushes again for the same step overwrites this one's (the same bytes).
    if (err instanceof OutOfTimeError) return handOver(event, deps, state, log);
    throw err;
  }
}

function freshState(): PsWorkerState {
  return { epoch: 1, step: 0, epochStats: newEpochStats(), traffic: emptyTraffic(), invocations: 1 };
}

/** The run's optimizer, as the server builds it (the same settings AllReduce's workers use). */
export function optimizerMessage(config: TrainingConfig): OptimizerConfigMessage {
  return config.optimizer === 'adam'
    ? { kind: 'adam', lr: config.lr, momentum: 0, weight_decay: config.weightDecay }
    : { kind: 'sgd', lr: config.lr, momentum: config.momentum, weight_decay: config.weightDecay };
}

async function handOver(event: WorkerEvent, deps: PsWorkerDeps, state: PsWorkerState, log: Logger): Promise<DataParallelWorkerOutcome> {
  state.traffic = deps.traffic.snapshot();
  await savePsCheckpoint(deps.store, runKeys(event.runId).checkpoint(event.rank), state);
  const next = { ...event, invocation: event.invocation + 1 };
  await deps.invoker.invokeAsync(deps.workerFunctionName, next);
  log.info('handed over to a new invocation before the time limit', { epoch: state.epoch, step: state.step, nextInvocation: next.invocation });
  return { status: 'handed-over', runId: event.runId, rank: event.rank, epoch: state.epoch, step: state.step, invocation: next.invocation };
}

async function finishEpoch(
  event: WorkerEvent, deps: PsWorkerDeps, state: PsWorkerState, model: FlatModel, testSet: Dataset | undefined,
  pullEpochEnd: () => Promise<PulledModel>, log: Logger,
): Promise<void> {
  // The model after the epoch's last update: waits for the slowest worker's last gradient.
  const end = testSet && await pullEpochEnd();
  const { progress, summary } = await recordEpoch(
    deps.store, event.runId, { rank: event.rank, epoch: state.epoch, stats: state.epochStats, traffic: deps.traffic.snapshot() },
    end && testSet && { model, params: end.params, testSet },
  );
  if (summary) log.info('epoch finished', { ...summary, trainLoss: progress.trainLoss, version: end?.version });
  state.epochStats = newEpochStats();
}

async function finishRun(event: WorkerEvent, deps: PsWorkerDeps, final: PulledModel, backend: string, log: Logger): Promise<DataParallelWorkerOutcome> {
  const { runId, rank, numWorkers, config } = event;
  const paramsDigest = sha256Hex(final.params);
  const report: WorkerReport = { rank, backend, paramsDigest, invocations: event.invocation, traffic: deps.traffic.snapshot() };
  await saveJson(deps.store, runKeys(runId).report(rank), report);
  if (rank === 0) {
    // Every worker has reported, so every worker has pulled the final model: the server can drop it.
    await concludeRun(
      deps.store, runId, { params: final.params, paramsDigest }, { numWorkers, timeoutMs: config.syncTimeoutSeconds * 1000 },
      () => deps.ps.delete(runId),
    );
  }
  log.info('worker finished', { paramsDigest, version: final.version });
  return { status: 'finished', runId, rank, paramsDigest };
}
