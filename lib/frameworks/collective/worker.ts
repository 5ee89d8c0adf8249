import { OutOfTimeError } from '../../comm';
import { batchAt, stepsPerEpoch } from '../../ml/data/batches';
import type { FlatModel } from '../../ml/models';
import { createOptimizer, type FlatOptimizer } from '../../ml/optimizers';
import { deriveSeed, shuffledIndices } from '../../ml/random';
import { emptyTraffic } from '../../metrics/traffic';
import type { ObjectStore } from '../../stores/types';
import { optimizerConfig } from '../run/optimizer-config';
import { runKeys } from '../run/run-keys';
import { throwIfRunFailed } from '../run/run-status';
import { TimeBudget } from '../run/time-budget';
import type { TrainingConfig } from '../run/training-config';
import type { DataParallelWorkerDeps, DataParallelWorkerOutcome, WorkerData } from '../run/worker-data';
import { runWorkerInvocation, type WorkerInvocation } from '../run/worker-lifecycle';
import { addStep, newEpochStats } from '../run/worker-reports';
import { loadCheckpoint, saveCheckpoint, type WorkerState } from './checkpoint';
import type { DataParallelWorkerEvent as WorkerEvent } from '../run/events';
import type { CollectiveFramework } from './collectives';
import { createStepExchange, type StepExchange } from './step-exchange';

export interface WorkerDeps extends DataParallelWorkerDeps {
  /** Where gradients travel (`--channel`): the bucket itself for s3. */
  channel: ObjectStore;
}

export type WorkerOutcome = DataParallelWorkerOutcome;

/**
 * One worker of a LambdaML collective (docs/frameworks/allreduce.md, scatter-reduce.md): for every batch of its shard, compute
 * the gradient, average it with every other worker through the channel (AllReduce or
 * ScatterReduce), and step the optimizer.
 */
export function runCollectiveWorker(framework: CollectiveFramework, event: WorkerEvent, deps: WorkerDeps): Promise<WorkerOutcome> {
  return runWorkerInvocation(event, deps, (w, data) => train(framework, w, data));
}

async function train(framework: CollectiveFramework, w: WorkerInvocation<WorkerEvent, WorkerDeps>, data: WorkerData): Promise<WorkerOutcome> {
  const { event, deps, log } = w;
  const { runId, rank, numWorkers, config } = event;
  const { store } = deps;
  const { backend, shard, testSet, model } = data;
  const keys = runKeys(runId);
  const optimizer = createOptimizer(optimizerConfig(config), model.numParams);
  const budget = new TimeBudget(deps.remainingTimeMs);
  const comm = createStepExchange(framework, config, {
    store: deps.channel, prefix: keys.sync, rank, numWorkers, timeoutMs: config.syncTimeoutSeconds * 1000,
    checkAbort: () => throwIfRunFailed(store, runId),
    waitBudgetMs: () => deps.remainingTimeMs() - budget.handOverCostMs(),
  }, optimizer, model.initialParams(config.seed));

  const state = await w.resume(() => loadCheckpoint(store, keys.checkpoint(rank), model.numParams), () => freshState(model, config));
  optimizer.importState(state.optimizer);
  await comm.importState(state.comm);
  log.info('worker started', {
    framework, channel: deps.channel.kind, backend: backend.name, epoch: state.epoch, step: state.step, shardSize: shard.count, params: model.numParams,
  });

  const steps = stepsPerEpoch(shard.count, config.batchSize);
  for (; state.epoch <= config.epochs; state.epoch++, state.step = 0) {
    const order = shuffledIndices(shard.count, deriveSeed(config.seed, state.epoch, rank));
    for (; state.step < steps; state.step++) {
      if (budget.shouldHandOver()) return handOver(w, state, optimizer, comm);
      const t0 = performance.now();
      model.setParams(state.params);
      const { loss, grad } = model.gradient(batchAt(shard, order, state.step, config.batchSize));
      const t1 = performance.now();
      let times: { syncMs: number; updateMs: number };
      try {
        times = await comm.step(`e${state.epoch}/b${state.step}`, state.params, grad);
      } catch (err) {
        // Waiting for a peer (perhaps itself starting a new invocation) used up this invocation's
        // time. Sync: nothing of this step is applied yet; the next invocation redoes it, and the
        // gradient it writes again is the same bytes under the same key. Async: the update may be
        // published already; the state says so and the redo only reads (step-exchange.ts).
        if (err instanceof OutOfTimeError) return handOver(w, state, optimizer, comm);
        throw err;
      }
      addStep(state.epochStats, loss, { computeMs: t1 - t0, ...times });
      budget.recordStep(performance.now() - t0);
    }
    await w.finishEpoch(state, state.epoch, testSet && { model, params: state.params, testSet });
  }
  let final: Float32Array;
  try {
    final = await comm.finish(state.params);
  } catch (err) {
    // Async: waiting for the others' last updates used up this invocation; the next one settles.
    if (err instanceof OutOfTimeError) return handOver(w, state, optimizer, comm);
    throw err;
  }
  return w.finishRun(final, backend.name, () => deps.channel.clear(keys.sync));
}

function freshState(model: FlatModel, config: TrainingConfig): WorkerState {
  // Every worker derives the same initial parameters from the shared seed.
  return {
    epoch: 1, step: 0, params: model.initialParams(config.seed), optimizer: { step: 0, buffers: {} }, comm: {},
    epochStats: newEpochStats(), traffic: emptyTraffic(), invocations: 1,
  };
}

function handOver(
  w: WorkerInvocation<WorkerEvent, WorkerDeps>, state: WorkerState, optimizer: FlatOptimizer, comm: StepExchange,
): Promise<WorkerOutcome> {
  state.optimizer = optimizer.exportState();
  state.comm = comm.exportState();
  return w.handOver(state, (s) => saveCheckpoint(w.deps.store, runKeys(w.event.runId).checkpoint(w.event.rank), s), { epoch: state.epoch, step: state.step });
}
