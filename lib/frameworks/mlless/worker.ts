import type { DuplicateInProgress } from '../../functions/idempotency';
import { averageUpdates, decayedThreshold, decodeUpdate, encodeUpdate, UpdateAccumulator, type SparseUpdate } from '../../comm/significance';
import { batchAt, stepsPerEpoch } from '../../ml/data/batches';
import type { Dataset } from '../../ml/data/types';
import type { FlatModel } from '../../ml/models';
import { createOptimizer, type FlatOptimizer } from '../../ml/optimizers';
import { deriveSeed, shuffledIndices } from '../../ml/random';
import { encodeTensor, sha256Hex } from '../../ml/tensor';
import { emptyTraffic } from '../../metrics/traffic';
import { saveJson } from '../../stores/json';
import type { RedisBlobs } from '../../stores/redis-blobs';
import type { Logger } from '../../util/log';
import { optimizerConfig } from '../run/optimizer-config';
import type { DataParallelWorkerDeps, WorkerData } from '../run/worker-data';
import { runWorkerInvocation, type WorkerInvocation } from '../run/worker-lifecycle';
import { runKeys } from '../run/run-keys';
import { RunFailedError, throwIfRunFailed } from '../run/run-status';
import { TimeBudget } from '../run/time-budget';
import { newEpochStats } from '../run/worker-reports';
import { loadWorkerCheckpoint, saveWorkerCheckpoint, type WorkerState } from './checkpoint';
import type { SupervisorQueue, WorkerQueue } from './deps';
import type { MllessConfig, WorkerEvent } from './events';
import { mllessKeys, updateKeyRank } from './keys';
import type { Decision } from './messages';
import type { MllessWorkerReport } from './reports';
import { decisionTimeoutMs, UPDATE_TTL_MS } from './timing';

export interface WorkerDeps extends DataParallelWorkerDeps {
  updates: RedisBlobs;
  /** This worker's queue (decisions from the supervisor) and the supervisor's (its reports). */
  ownQueue: WorkerQueue;
  supervisorQueue: SupervisorQueue;
}

export type WorkerOutcome =
  | DuplicateInProgress
  | { status: 'finished'; runId: string; rank: number; paramsDigest: string; steps: number }
  | { status: 'handed-over'; runId: string; rank: number; step: number; invocation: number };

/** How often a worker waiting for a decision also looks for a failure marker in the bucket. */
const FAILURE_CHECK_MS = 10_000;

/**
 * One MLLESS worker (docs/frameworks/mlless.md). Per step: compute the gradient of the next minibatch, add it
 * to the accumulated update, store what the significance filter lets through (sparse) in Redis,
 * report {step, loss, updateKey} to the supervisor, wait for its decision, fetch the updates it
 * lists, average them and step the optimizer; until told to stop.
 */
export function runMllessWorker(event: WorkerEvent, deps: WorkerDeps): Promise<WorkerOutcome> {
  return runWorkerInvocation(event, deps, (w, data) => new MllessWorker(w).train(data), {
    // Tell the supervisor at once, so it stops the others instead of waiting out its timeout.
    onFailed: (reason) => deps.supervisorQueue.send({ kind: 'failed', runId: event.runId, rank: event.rank, reason: reason.slice(0, 2000) }),
  });
}

class MllessWorker {
  private readonly config: MllessConfig;
  private readonly keys;
  private lastFailureCheck = Date.now();
  private pendingDelete: Promise<Error | undefined> = Promise.resolve(undefined);

  private readonly event: WorkerEvent;
  private readonly deps: WorkerDeps;
  private readonly log: Logger;

  constructor(private readonly w: WorkerInvocation<WorkerEvent, WorkerDeps>) {
    ({ event: this.event, deps: this.deps, log: this.log } = w);
    this.config = this.event.config as MllessConfig;
    this.keys = { ...runKeys(this.event.runId), ...mllessKeys(this.event.runId) };
  }

  async train({ model, shard, testSet, backend: { name: backend } }: WorkerData): Promise<WorkerOutcome> {
    const { event, deps, config } = this;
    const { rank } = event;
    const optimizer = createOptimizer(optimizerConfig(config), model.numParams);
    const budget = new TimeBudget(deps.remainingTimeMs);
    const state = await this.w.resume(
      () => loadWorkerCheckpoint(deps.store, this.keys.workerCheckpoint(rank), model.numParams), () => freshState(model, config),
    );
    optimizer.importState(state.optimizer);
    const accumulator = new UpdateAccumulator(model.numParams, state.accumulated);
    const steps = stepsPerEpoch(shard.count, config.batchSize);
    this.log.info('worker started', { backend, step: state.step, awaiting: state.awaiting, shardSize: shard.count, params: model.numParams });

    let order: { epoch: number; rows: Uint32Array } = { epoch: 0, rows: new Uint32Array(0) };
    for (;;) {
      const epoch = Math.ceil(state.step / steps);
      const t0 = performance.now();
      if (!state.awaiting) {
        if (budget.shouldHandOver()) return this.handOver(state, optimizer, accumulator);
        if (order.epoch !== epoch) order = { epoch, rows: shuffledIndices(shard.count, deriveSeed(config.seed, epoch, rank)) };
        model.setParams(state.params);
        const batch = batchAt(shard, order.rows, (state.step - 1) % steps, config.batchSize);
        const { loss, grad } = model.gradient(batch);
        accumulator.add(grad);
        const update = config.variant === 'all'
          ? accumulator.takeAll()
          : accumulator.takeSignificant(state.params, decayedThreshold(config.threshold, state.step));
        state.epochStats.lossSum += loss;
        state.epochStats.steps += 1;
        state.epochStats.computeSeconds += (performance.now() - t0) / 1000;
        await this.publish(state, update, loss, batch.count);
      }
      const t1 = performance.now();
      const received = await this.waitForDecision(state, budget);
      if (!received) return this.handOver(state, optimizer, accumulator);
      const mean = await this.fetchAndAverage(received.decision, model.numParams);
      this.deleteInBackground(received.receipt);
      const t2 = performance.now();
      optimizer.step(state.params, mean);
      const t3 = performance.now();
      state.epochStats.syncSeconds += (t2 - t1) / 1000;
      state.epochStats.updateSeconds += (t3 - t2) / 1000;
      budget.recordStep(t3 - t0);
      state.awaiting = false;
      if (state.step % steps === 0 || received.decision.stop) await this.finishEpoch(state, epoch, model, testSet);
      if (received.decision.stop) return this.finishRun(state, model.numParams, backend, received.decision);
      state.step += 1;
    }
  }

  /** Stores the update (if anything passed the filter) and reports the step to the supervisor. */
  private async publish(state: WorkerState, update: SparseUpdate, loss: number, samples: number): Promise<void> {
    const { runId, rank } = this.event;
    let updateKey: string | null = null;
    let updateBytes = 0;
    if (update.values.length > 0) {
      const encoded = encodeUpdate(update);
      updateKey = this.keys.update(state.step, rank);
      // A retried step writes the same bytes under the same key.
      await this.deps.updates.put(updateKey, encoded, UPDATE_TTL_MS);
      updateBytes = encoded.byteLength;
      state.updates.sent += 1;
      state.updates.entries += update.values.length;
      state.updates.bytes += updateBytes;
    }
    await this.deps.supervisorQueue.send({
      kind: 'step', runId, rank, step: state.step, loss, samples, updateKey, updateEntries: update.values.length, updateBytes,
    });
    state.awaiting = true;
    state.awaitingSince = Date.now();
  }

  /**
   * The supervisor's decision for the current step, or undefined when this invocation's time ran
   * out first (the next invocation waits on). Messages of other runs and repeated decisions of
   * earlier steps are dropped; an abort ends the worker. A supervisor silent past the deadline
   * fails the run, naming it.
   */
  private async waitForDecision(state: WorkerState, budget: TimeBudget): Promise<{ decision: Decision; receipt: string } | undefined> {
    const { runId } = this.event;
    await this.settleDelete();
    const timeoutMs = decisionTimeoutMs(this.config);
    const deadline = state.awaitingSince + timeoutMs;
    for (;;) {
      const budgetEnd = Date.now() + this.deps.remainingTimeMs() - budget.handOverCostMs();
      const messages = await this.deps.ownQueue.receive({ deadline: Math.min(deadline, budgetEnd, Date.now() + FAILURE_CHECK_MS) });
      let current: { decision: Decision; receipt: string } | undefined;
      const drop: string[] = [];
      for (const m of messages) {
        const body = m.body;
        if (body.runId !== runId) {
          this.log.warn('dropped a message of another run', { messageRunId: body.runId, kind: body.kind });
          drop.push(m.receipt);
        } else if (body.kind === 'abort') {
          await this.deps.ownQueue.delete([m.receipt]);
          throw new RunFailedError({ reason: body.reason, detectedBy: 'supervisor', at: new Date().toISOString() });
        } else if (body.step === state.step && !current) {
          current = { decision: body, receipt: m.receipt };
        } else {
          if (body.step > state.step) this.log.warn('dropped a decision for a step not reached yet', { step: body.step, current: state.step });
          drop.push(m.receipt); // a repeat of an earlier step's decision (SQS delivers at least once)
        }
      }
      if (drop.length) await this.deps.ownQueue.delete(drop);
      if (current) return current;
      const now = Date.now();
      if (now >= deadline) throw new Error(`the supervisor sent no decision for step ${state.step} within ${Math.round(timeoutMs / 1000)} s`);
      if (now >= budgetEnd) return undefined;
      if (now - this.lastFailureCheck >= FAILURE_CHECK_MS) {
        this.lastFailureCheck = now;
        await throwIfRunFailed(this.deps.store, runId);
      }
    }
  }

  /** Fetches the listed updates (one MGET), checks each, and averages them over all N workers. */
  private async fetchAndAverage(decision: Decision, numParams: number): Promise<Float32Array> {
    const { runId, numWorkers } = this.event;
    let previous = -1;
    for (const key of decision.updateKeys) {
      const rank = updateKeyRank(key, runId, decision.step);
      if (rank === undefined || rank >= numWorkers || rank <= previous) {
        throw new Error(`the supervisor's decision for step ${decision.step} lists "${key}", not an update key of this run and step in worker order`);
      }
      previous = rank;
    }
    const values = await this.deps.updates.getMany(decision.updateKeys);
    const updates = values.map((bytes, i) => {
      const key = decision.updateKeys[i];
      const rank = updateKeyRank(key, runId, decision.step)!;
      if (!bytes) throw new Error(`the update of worker ${rank} for step ${decision.step} (${key}) is missing from Redis`);
      try {
        return decodeUpdate(bytes, numParams);
      } catch (err) {
        throw new Error(`the update of worker ${rank} for step ${decision.step} is unusable: ${(err as Error).message}`);
      }
    });
    return averageUpdates(updates, numParams, numWorkers);
  }

  /**
   * Deletes a processed decision while the next step computes (a queue request off the critical
   * path); settleDelete() collects the outcome before the queue is read again or the worker ends.
   */
  private deleteInBackground(receipt: string): void {
    this.pendingDelete = this.deps.ownQueue.delete([receipt]).then(() => undefined, (err: unknown) => err as Error);
  }

  private async settleDelete(): Promise<void> {
    const error = await this.pendingDelete;
    this.pendingDelete = Promise.resolve(undefined);
    if (error) throw error;
  }

  private async handOver(state: WorkerState, optimizer: FlatOptimizer, accumulator: UpdateAccumulator): Promise<WorkerOutcome> {
    await this.settleDelete();
    state.optimizer = optimizer.exportState();
    state.accumulated = accumulator.snapshot();
    const checkpoint = (s: WorkerState) => saveWorkerCheckpoint(this.deps.store, this.keys.workerCheckpoint(this.event.rank), s);
    return this.w.handOver(state, checkpoint, { step: state.step }, { awaiting: state.awaiting });
  }

  /** Progress of every worker; worker 0 also evaluates on the test set. */
  private finishEpoch(state: WorkerState, epoch: number, model: FlatModel, testSet: Dataset | undefined): Promise<void> {
    return this.w.finishEpoch(state, epoch, testSet && { model, params: state.params, testSet }, { updatesSent: state.updates.sent, updateBytes: state.updates.bytes });
  }

  private async finishRun(state: WorkerState, numParams: number, backend: string, decision: Decision): Promise<WorkerOutcome> {
    const { runId, rank } = this.event;
    await this.settleDelete();
    const paramsDigest = sha256Hex(state.params);
    if (rank === 0) await this.deps.store.save(this.keys.finalModel, encodeTensor(state.params));
    const report: MllessWorkerReport = {
      rank, backend, paramsDigest, numParams, invocations: state.invocations, traffic: this.deps.traffic.snapshot(), updates: state.updates, steps: state.step,
    };
    await saveJson(this.deps.store, this.keys.report(rank), report);
    this.log.info('worker finished', { paramsDigest, steps: state.step, reason: decision.reason, updates: state.updates });
    return { status: 'finished', runId, rank, paramsDigest, steps: state.step };
  }
}

function freshState(model: FlatModel, config: MllessConfig): WorkerState {
  // Every worker derives the same initial parameters from the shared seed.
  return {
    step: 1, awaiting: false, awaitingSince: 0, params: model.initialParams(config.seed), accumulated: new Float32Array(model.numParams),
    optimizer: { step: 0, buffers: {} }, epochStats: newEpochStats(), updates: { sent: 0, entries: 0, bytes: 0 }, traffic: emptyTraffic(), invocations: 1,
  };
}
