import type { FunctionInvoker } from '../../functions/invoker';
import { stepsPerEpoch } from '../../ml/data/batches';
import { loadManifest } from '../../ml/data/bucket';
import { emptyTraffic, type TrafficCounter } from '../../metrics/traffic';
import { saveJson } from '../../stores/json';
import type { RedisBlobs } from '../../stores/redis-blobs';
import type { ObjectStore } from '../../stores/types';
import type { Logger } from '../../util/log';
import type { RunDone } from '../run/reports';
import { startWorkers } from '../run/open-run';
import { runKeys } from '../run/run-keys';
import { markRunFailed, RunFailedError, throwIfRunFailed } from '../run/run-status';
import { TimeBudget } from '../run/time-budget';
import { loadSupervisorCheckpoint, saveSupervisorCheckpoint, type SupervisorState } from './checkpoint';
import type { SupervisorQueue, WorkerQueue } from './deps';
import type { MllessConfig, SupervisorEvent } from './events';
import { ACTIVE_RUN_KEY, mllessKeys } from './keys';
import type { Decision, ToSupervisor } from './messages';
import type { MllessRunDetails, MllessWorkerReport } from './reports';
import { describeStop, judgeStep, type StopRule } from './stop-rule';
import { leaseTtlMs } from './trigger';
import { finalReportsTimeoutMs, reportTimeoutMs } from './timing';

export interface SupervisorDeps {
  store: ObjectStore;
  updates: RedisBlobs;
  traffic: TrafficCounter;
  invoker: FunctionInvoker;
  workerFunctionName: string;
  supervisorFunctionName: string;
  /** The supervisor's queue (reports from the workers) and one queue per worker (its decisions). */
  ownQueue: SupervisorQueue;
  workerQueues: WorkerQueue[];
  remainingTimeMs: () => number;
  log: Logger;
}

export type SupervisorOutcome =
  | { status: 'finished'; runId: string; steps: number; reason: string }
  | { status: 'handed-over'; runId: string; step: number; invocation: number };

/** A worker that did not report a step in time. */
export class MissingWorkerError extends Error {
  constructor(readonly ranks: number[], step: number, timeoutMs: number) {
    super(`worker${ranks.length > 1 ? 's' : ''} ${ranks.join(', ')} sent no report for step ${step} within ${Math.round(timeoutMs / 1000)} s`);
    this.name = 'MissingWorkerError';
  }
}

const FAILURE_CHECK_MS = 5_000;
const LEASE_RENEW_MS = 15_000;
/** A third of the queues' visibility timeout (plugins/mltrain/src/mlless/resources.ts). */
const PROCESSED_MAX_AGE_MS = 20_000;

/**
 * MLLESS's supervisor (docs/frameworks/mlless.md): starts the workers, collects one report per worker per
 * step, records the global loss, applies the stop rule, and tells every worker which updates to
 * fetch (and whether to stop). A worker that falls silent fails the run, named, within the
 * configured --sync-timeout; the other workers are told to stop at once.
 */
export async function runMllessSupervisor(event: SupervisorEvent, deps: SupervisorDeps): Promise<SupervisorOutcome> {
  const log = deps.log.child({ runId: event.runId, invocation: event.invocation });
  const supervisor = new MllessSupervisor(event, deps, log);
  try {
    return await supervisor.run();
  } catch (err) {
    const reason = err instanceof RunFailedError ? err.failure.reason : (err as Error).message;
    if (!(err instanceof RunFailedError)) await markRunFailed(deps.store, event.runId, reason, 'supervisor').catch(() => undefined);
    log.error('run failed', { reason });
    await supervisor.abort(reason);
    throw err;
  }
}

class MllessSupervisor {
  private readonly config: MllessConfig;
  private readonly keys;
  private lastFailureCheck = Date.now();
  private leaseRenewedAt = 0;
  /** Receipts of messages taken into the state but not yet deleted from the queue. */
  private processed: string[] = [];
  private processedSince = 0;

  constructor(private readonly event: SupervisorEvent, private readonly deps: SupervisorDeps, private readonly log: Logger) {
    this.config = event.config as MllessConfig;
    this.keys = { ...runKeys(event.runId), ...mllessKeys(event.runId) };
  }

  async run(): Promise<SupervisorOutcome> {
    const { event, deps, config } = this;
    const workers = config.workers;
    if (deps.workerQueues.length < workers) throw new Error(`this deployment has queues for ${deps.workerQueues.length} workers, the run needs ${workers}`);
    const manifest = await loadManifest(deps.store, event.manifestKey, workers);
    const shardSizes = new Set(manifest.train.map((s) => s.count));
    if (shardSizes.size !== 1) throw new Error(`the dataset's shards differ in size (${[...shardSizes].join(', ')}): MLLESS's synchronous steps need equal shards`);
    const steps = stepsPerEpoch(manifest.train[0].count, config.batchSize);
    const rule: StopRule = { totalSteps: config.epochs * steps, targetLoss: config.targetLoss, patience: config.patience, maxSeconds: config.maxSeconds };
    const budget = new TimeBudget(deps.remainingTimeMs);
    await this.renewLease(true);

    let state: SupervisorState;
    if (event.invocation > 1) {
      state = await loadSupervisorCheckpoint(deps.store, this.keys.supervisorCheckpoint);
      deps.traffic.restore(state.traffic);
      state.invocations = event.invocation;
    } else {
      state = freshState();
      await startWorkers(this.deps.invoker, this.deps.workerFunctionName, event);
      this.log.info('supervisor started the workers', { workers, steps: rule.totalSteps, stepsPerEpoch: steps, variant: config.variant, threshold: config.threshold });
    }

    let stepStartedAt = performance.now();
    while (state.phase === 'collecting') {
      if (Object.keys(state.reports).length === 0 && budget.shouldHandOver()) return this.handOver(state);
      const timeoutMs = reportTimeoutMs(config, state.step);
      const deadline = state.waitingSince + timeoutMs;
      const budgetEnd = Date.now() + deps.remainingTimeMs() - budget.handOverCostMs();
      const messages = await deps.ownQueue.receive({ deadline: Math.min(deadline, budgetEnd, Date.now() + FAILURE_CHECK_MS) });
      for (const m of messages) {
        if (this.processed.length === 0) this.processedSince = Date.now();
        this.processed.push(m.receipt); // deleted in one batch per step (or before a hand-over)
        this.record(state, m.body);
      }
      // Well before the visibility timeout, or a message would come back with a new receipt.
      if (this.processed.length && Date.now() - this.processedSince > PROCESSED_MAX_AGE_MS) await this.deleteProcessed();

      if (Object.keys(state.reports).length === workers) {
        const step = state.step;
        await Promise.all([this.deleteProcessed(), this.decide(state, rule)]);
        budget.recordStep(performance.now() - stepStartedAt);
        stepStartedAt = performance.now();
        if (step % steps === 0) this.log.info('epoch collected', { epoch: step / steps, step, loss: state.lossHistory[step - 1], updateBytes: state.updates.bytes });
        continue;
      }
      const now = Date.now();
      if (now >= deadline) {
        const missing = Array.from({ length: workers }, (_, r) => r).filter((r) => !(r in state.reports));
        throw new MissingWorkerError(missing, state.step, timeoutMs);
      }
      if (now >= budgetEnd) return this.handOver(state);
      if (now - this.lastFailureCheck >= FAILURE_CHECK_MS) {
        this.lastFailureCheck = now;
        await throwIfRunFailed(deps.store, event.runId);
      }
      await this.renewLease();
    }
    return this.finish(state, rule, steps, budget);
  }

  /** Takes in one message; anything out of place is logged and dropped, never fatal by itself. */
  private record(state: SupervisorState, body: ToSupervisor): void {
    const { runId } = this.event;
    if (body.runId !== runId) {
      this.log.warn('dropped a message of another run', { messageRunId: body.runId, kind: body.kind });
      return;
    }
    if (body.kind === 'failed') {
      throw new RunFailedError({ reason: body.reason, detectedBy: `worker ${body.rank}`, at: new Date().toISOString() });
    }
    if (body.rank >= this.config.workers) {
      this.log.warn('rejected a report from a worker the run does not have', { rank: body.rank, workers: this.config.workers });
      return;
    }
    if (body.step < state.step || (body.step === state.step && body.rank in state.reports)) {
      this.log.debug('dropped a repeated report', { rank: body.rank, step: body.step }); // SQS delivers at least once
      return;
    }
    if (body.step > state.step) {
      this.log.warn('rejected a report for a step not reached yet', { rank: body.rank, step: body.step, current: state.step });
      return;
    }
    if (body.updateKey !== null && body.updateKey !== this.keys.update(body.step, body.rank)) {
      this.log.warn('rejected a report naming a foreign update key', { rank: body.rank, step: body.step, updateKey: body.updateKey });
      return;
    }
    state.reports[body.rank] = { loss: body.loss, samples: body.samples, updateKey: body.updateKey, updateEntries: body.updateEntries, updateBytes: body.updateBytes };
  }

  /** Every worker has reported the step: record the loss, apply the stop rule, tell everyone. */
  private async decide(state: SupervisorState, rule: StopRule): Promise<void> {
    const reports = Array.from({ length: this.config.workers }, (_, r) => state.reports[r]);
    const samples = reports.reduce((sum, r) => sum + r.samples, 0);
    const loss = reports.reduce((sum, r) => sum + r.loss * r.samples, 0) / samples;
    state.lossHistory.push(loss);
    for (const r of reports) {
      if (r.updateKey) {
        state.updates.sent += 1;
        state.updates.entries += r.updateEntries;
        state.updates.bytes += r.updateBytes;
      }
    }
    const verdict = judgeStep(rule, state.step, loss, state.underTarget, (Date.now() - state.startedAt) / 1000);
    state.underTarget = verdict.underTarget;
    const updateKeys = reports.map((r) => r.updateKey).filter((k): k is string => k !== null);
    const decision: Decision = { kind: 'decision', runId: this.event.runId, step: state.step, updateKeys, stop: verdict.stop };
    if (verdict.reason) decision.reason = describeStop(verdict.reason, rule);
    await Promise.all([
      ...this.deps.workerQueues.slice(0, this.config.workers).map((q) => q.send(decision)),
      // Every worker has applied the previous step's updates: it reported this step after doing so.
      this.deps.updates.delete(state.staleKeys),
    ]);
    state.staleKeys = updateKeys;
    if (verdict.stop) {
      state.phase = 'finishing';
      state.stop = { step: state.step, reason: verdict.reason! };
      this.log.info('stopping the run', { step: state.step, reason: decision.reason, loss });
      return;
    }
    state.step += 1;
    state.reports = {};
    state.waitingSince = Date.now();
  }

  /** Gathers the workers' final reports, checks they hold one model, and writes done.json. */
  private async finish(state: SupervisorState, rule: StopRule, steps: number, budget: TimeBudget): Promise<SupervisorOutcome> {
    const { runId } = this.event;
    const timeoutMs = finalReportsTimeoutMs(this.config);
    const waitMs = Math.max(0, Math.min(timeoutMs, this.deps.remainingTimeMs() - budget.handOverCostMs()));
    const reports: MllessWorkerReport[] = [];
    for (let rank = 0; rank < this.config.workers; rank++) {
      const bytes = await this.deps.store.loadOrWait(this.keys.report(rank), {
        timeoutMs: waitMs, initialDelayMs: 20, maxDelayMs: 500, checkAbort: () => throwIfRunFailed(this.deps.store, runId),
      }).catch((err: unknown) => {
        if (err instanceof RunFailedError) throw err;
        if (waitMs < timeoutMs) return undefined; // out of time: the next invocation waits on
        throw new Error(`worker ${rank} did not report the end of its training within ${Math.round(timeoutMs / 1000)} s`);
      });
      if (!bytes) return this.handOver(state);
      reports.push(JSON.parse(bytes.toString('utf8')) as MllessWorkerReport);
    }
    const digest = reports[0].paramsDigest;
    const diverged = reports.filter((r) => r.paramsDigest !== digest).map((r) => r.rank);
    if (diverged.length) throw new Error(`workers ${diverged.join(', ')} ended with parameters different from worker 0's`);
    await this.deps.updates.delete(state.staleKeys);
    await this.deps.updates.deletePrefix(this.keys.redisPrefix);
    const stop = state.stop!;
    const numParams = reports[0].numParams;
    const denseBytes = state.lossHistory.length * this.config.workers * (16 + 4 * numParams);
    const details: MllessRunDetails = {
      variant: this.config.variant, threshold: this.config.threshold, stopReason: stop.reason, stop: describeStop(stop.reason, rule),
      steps: stop.step, stepsPerEpoch: steps,
      updates: { ...state.updates, denseBytes, fractionOfDense: state.updates.bytes / denseBytes },
      summary: `mlless ${this.config.variant}${this.config.variant === 'significant' ? ` (threshold ${this.config.threshold})` : ''}: `
        + `${(state.updates.bytes / 1e6).toFixed(1)} MB of updates stored, ${(100 * state.updates.bytes / denseBytes).toFixed(1)}% of sending every update in full; `
        + `stopped after step ${stop.step}: ${describeStop(stop.reason, rule)}`,
      lossHistory: state.lossHistory,
    };
    const done: RunDone = {
      paramsDigest: digest, numParams, finishedAt: new Date().toISOString(), reports, epochs: Math.ceil(stop.step / steps),
      coordinatorTraffic: this.deps.traffic.snapshot(), details: details as unknown as Record<string, unknown>,
    };
    await saveJson(this.deps.store, this.keys.done, done);
    await this.deps.store.clear(this.keys.checkpoints);
    await this.deps.updates.release(ACTIVE_RUN_KEY, runId);
    this.log.info('run finished', { steps: stop.step, reason: details.stop, updateBytes: state.updates.bytes, fractionOfDense: details.updates.fractionOfDense });
    return { status: 'finished', runId, steps: stop.step, reason: details.stop };
  }

  private async deleteProcessed(): Promise<void> {
    const receipts = this.processed;
    this.processed = [];
    await this.deps.ownQueue.delete(receipts);
  }

  private async handOver(state: SupervisorState): Promise<SupervisorOutcome> {
    const { event, deps } = this;
    await this.deleteProcessed();
    state.traffic = deps.traffic.snapshot();
    await saveSupervisorCheckpoint(deps.store, this.keys.supervisorCheckpoint, state);
    const next: SupervisorEvent = { ...event, invocation: event.invocation + 1 };
    await this.renewLease(true);
    await deps.invoker.invokeAsync(deps.supervisorFunctionName, next);
    this.log.info('handed over to a new invocation before the time limit', { step: state.step, phase: state.phase, nextInvocation: next.invocation });
    return { status: 'handed-over', runId: event.runId, step: state.step, invocation: next.invocation };
  }

  /** Keeps the deployment's lease while the run lives; losing it to another run is fatal. */
  private async renewLease(now = false): Promise<void> {
    if (!now && Date.now() - this.leaseRenewedAt < LEASE_RENEW_MS) return;
    const held = await this.deps.updates.renew(ACTIVE_RUN_KEY, this.event.runId, leaseTtlMs(this.config));
    if (!held) throw new Error('another run has taken over this deployment\'s queues');
    this.leaseRenewedAt = Date.now();
  }

  /** After a failure: tell every worker to stop, drop the run's updates, free the deployment. */
  async abort(reason: string): Promise<void> {
    const { runId } = this.event;
    await Promise.all(this.deps.workerQueues.slice(0, this.config.workers).map((q) => q.send({ kind: 'abort', runId, reason: reason.slice(0, 2000) }).catch(() => undefined)));
    await this.deps.updates.deletePrefix(this.keys.redisPrefix).catch(() => undefined);
    await this.deps.updates.release(ACTIVE_RUN_KEY, runId).catch(() => undefined);
  }
}

function freshState(): SupervisorState {
  const now = Date.now();
  return {
    phase: 'collecting', step: 1, reports: {}, waitingSince: now, lossHistory: [], underTarget: 0, startedAt: now, staleKeys: [],
    updates: { sent: 0, entries: 0, bytes: 0 }, traffic: emptyTraffic(), invocations: 1,
  };
}
