import { createCommunicator, OutOfTimeError, type GradientCommunicator } from '../../comm';
import { batchAt, stepsPerEpoch } from '../../ml/data/batches';
import type { Dataset } from '../../ml/data/types';
import type { FlatModel } from '../../ml/models';
import { createOptimizer, type FlatOptimizer } from '../../ml/optimizers';
import { deriveSeed, shuffledIndices } from '../../ml/random';
import { sha256Hex } from '../../ml/tensor';
import { emptyTraffic } from '../../metrics/traffic';
import { saveJson } from '../../stores/json';
import type { ObjectStore } from '../../stores/types';
import type { Logger } from '../../util/log';
import { markRunFailed, RunFailedError, throwIfRunFailed } from '../run/run-status';
import { withWorkerData, type DataParallelWorkerDeps, type DataParallelWorkerOutcome, type WorkerData } from '../run/worker-data';
import { runKeys } from '../run/run-keys';
import { TimeBudget } from '../run/time-budget';
import type { TrainingConfig } from '../run/training-config';
import { addStep, concludeRun, newEpochStats, recordEpoch } from '../run/worker-reports';
import { loadCheckpoint, saveCheckpoint, type WorkerState } from './checkpoint';
import type { WorkerEvent } from './events';
import type { WorkerReport } from '../run/reports';
import { COLLECTIVES, type CollectiveFramework } from './collectives';

export interface WorkerDeps extends DataParallelWorkerDeps {
  /** Where gradients travel (`--channel`): the bucket itself for s3. */
  channel: ObjectStore;
}

export type WorkerOutcome = DataParallelWorkerOutcome;

/**
 * One worker of a LambdaML collective (frameworks.md §3): for every batch of its shard, compute
 * the gradient, average it with every other worker through the channel (AllReduce or
 * ScatterReduce), and step the optimizer.
 */
export async function runCollectiveWorker(framework: CollectiveFramework, event: WorkerEvent, deps: WorkerDeps): Promise<WorkerOutcome> {
  const { runId, rank } = event;
  const log = deps.log.child({ runId, rank, invocation: event.invocation });
  try {
    return await withWorkerData(deps.store, event, (data) => train(framework, event, deps, data, log));
  } catch (err) {
    if (err instanceof RunFailedError) {
      log.error('stopping: the run was failed elsewhere', { reason: err.failure.reason });
      throw err;
    }
    const failure = await markRunFailed(deps.store, runId, (err as Error).message, `worker ${rank}`).catch(() => undefined);
    log.error('worker failed', { error: err as Error, reason: failure?.reason });
    throw err;
  }
}

async function train(framework: CollectiveFramework, event: WorkerEvent, deps: WorkerDeps, data: WorkerData, log: Logger): Promise<WorkerOutcome> {
  const { runId, rank, numWorkers, config } = event;
  const { store } = deps;
  const { backend, shard, testSet, model } = data;
  const keys = runKeys(runId);
  const optimizer = createOptimizer(optimizerConfig(config), model.numParams);
  const budget = new TimeBudget(deps.remainingTimeMs);
  const comm = createCommunicator(COLLECTIVES[framework].pattern, {
    store: deps.channel, prefix: keys.sync, rank, numWorkers, timeoutMs: config.syncTimeoutSeconds * 1000,
    checkAbort: () => throwIfRunFailed(store, runId),
    waitBudgetMs: () => deps.remainingTimeMs() - budget.handOverCostMs(),
  });

  const state = event.invocation > 1
    ? await loadCheckpoint(store, keys.checkpoint(rank), model.numParams)
    : freshState(model, config);
  optimizer.importState(state.optimizer);
  comm.importState(state.comm);
  deps.traffic.restore(state.traffic);
  state.invocations = event.invocation;
  log.info('worker started', {
    framework, channel: deps.channel.kind, backend: backend.name, epoch: state.epoch, step: state.step, shardSize: shard.count, params: model.numParams,
  });

  const steps = stepsPerEpoch(shard.count, config.batchSize);
  for (; state.epoch <= config.epochs; state.epoch++, state.step = 0) {
    const order = shuffledIndices(shard.count, deriveSeed(config.seed, state.epoch, rank));
    for (; state.step < steps; state.step++) {
      if (budget.shouldHandOver()) return handOver(event, deps, state, optimizer, comm, log);
      const t0 = performance.now();
      model.setParams(state.params);
      const { loss, grad } = model.gradient(batchAt(shard, order, state.step, config.batchSize));
      const t1 = performance.now();
      let mean: Float32Array;
      try {
        mean = await comm.mean(`e${state.epoch}/b${state.step}`, grad);
      } catch (err) {
        // Waiting for a peer (perhaps itself starting a new invocation) used up this invocation's
        // time. Nothing of this step is applied yet: the next invocation redoes it, and the
        // gradient it writes again is the same bytes under the same key.
        if (err instanceof OutOfTimeError) return handOver(event, deps, state, optimizer, comm, log);
        throw err;
      }
      const t2 = performance.now();
      optimizer.step(state.params, mean);
      const t3 = performance.now();
      addStep(state.epochStats, loss, { computeMs: t1 - t0, syncMs: t2 - t1, updateMs: t3 - t2 });
      budget.recordStep(t3 - t0);
    }
    await finishEpoch(event, deps, state, model, testSet, log);
  }
  return finishRun(event, deps, state, backend.name, log);
}

function freshState(model: FlatModel, config: TrainingConfig): WorkerState {
  // Every worker derives the same initial parameters from the shared seed.
  return {
    epoch: 1, step: 0, params: model.initialParams(config.seed), optimizer: { step: 0, buffers: {} }, comm: {},
    epochStats: newEpochStats(), traffic: emptyTraffic(), invocations: 1,
  };
}

export function optimizerConfig(config: TrainingConfig) {
  return config.optimizer === 'adam'
    ? { kind: 'adam' as const, lr: config.lr, weightDecay: config.weightDecay }
    : { kind: 'sgd' as const, lr: config.lr, momentum: config.momentum, weightDecay: config.weightDecay };
}

async function handOver(
  event: WorkerEvent, deps: WorkerDeps, state: WorkerState, optimizer: FlatOptimizer, comm: GradientCommunicator, log: Logger,
): Promise<WorkerOutcome> {
  const keys = runKeys(event.runId);
  state.optimizer = optimizer.exportState();
  state.comm = comm.exportState();
  state.traffic = deps.traffic.snapshot();
  await saveCheckpoint(deps.store, keys.checkpoint(event.rank), state);
  const next = { ...event, invocation: event.invocation + 1 };
  await deps.invoker.invokeAsync(deps.workerFunctionName, next);
  log.info('handed over to a new invocation before the time limit', { epoch: state.epoch, step: state.step, nextInvocation: next.invocation });
  return { status: 'handed-over', runId: event.runId, rank: event.rank, epoch: state.epoch, step: state.step, invocation: next.invocation };
}

async function finishEpoch(
  event: WorkerEvent, deps: WorkerDeps, state: WorkerState, model: FlatModel, testSet: Dataset | undefined, log: Logger,
): Promise<void> {
  const { progress, summary } = await recordEpoch(
    deps.store, event.runId, { rank: event.rank, epoch: state.epoch, stats: state.epochStats, traffic: deps.traffic.snapshot() },
    testSet && { model, params: state.params, testSet },
  );
  if (summary) log.info('epoch finished', { ...summary, trainLoss: progress.trainLoss });
  state.epochStats = newEpochStats();
}

async function finishRun(event: WorkerEvent, deps: WorkerDeps, state: WorkerState, backend: string, log: Logger): Promise<WorkerOutcome> {
  const { runId, rank, numWorkers, config } = event;
  const keys = runKeys(runId);
  const paramsDigest = sha256Hex(state.params);
  const report: WorkerReport = { rank, backend, paramsDigest, invocations: state.invocations, traffic: deps.traffic.snapshot() };
  await saveJson(deps.store, keys.report(rank), report);
  if (rank === 0) {
    await concludeRun(
      deps.store, runId, { params: state.params, paramsDigest }, { numWorkers, timeoutMs: config.syncTimeoutSeconds * 1000 },
      () => deps.channel.clear(keys.sync),
    );
  }
  log.info('worker finished', { paramsDigest });
  return { status: 'finished', runId, rank, paramsDigest };
}
