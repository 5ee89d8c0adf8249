import type { DuplicateInProgress } from '../../../functions/idempotency';
import { peerStepOnce } from '../step-once';
import { initBackend } from '../../../ml/backend';
import { emptyTraffic } from '../../../metrics/traffic';
import { recordEpoch, type EpochStats } from '../../run/worker-reports';
import type { SpirtDeps } from '../deps';
import type { RoundEvent, WarmUpEvent } from '../events';
import { peerDataOf, type PeerData, type PeerDataRef } from '../data';
import { openSelf, readUsage, recordUsage, type PeerSelf } from '../peer';
import { onPeer } from '../peer-db';
import { roundPosition, roundsPerEpoch } from '../rounds';
import { finishPeer, type SpirtStopReason } from './finish';
import { checkTarget, hasTarget } from './target';

/** Early stopping (patience 10, min_delta 0: docs/frameworks/spirt.md), checked at the end of every epoch. */
export const EARLY_STOPPING = { patience: 10, minDelta: 0 } as const;

export interface ConvergenceResult {
  stop: boolean;
  converged: boolean;
  epoch: number;
  valLoss: number;
  valAccuracy: number;
  /** Why the run stops here, when it does. */
  stopReason?: SpirtStopReason;
}

export interface RoundFigures {
  round: number;
  epoch: number;
  averageMs: number;
  aggregateMs: number;
  updateMs: number;
  peers: number[];
}

/**
 * check-convergence: evaluates the updated model on the peer's validation rows, keeps the
 * early-stopping state in the database, and at the end of an epoch records the epoch's figures
 * (peer 0 also evaluates on the test set). Says whether the run stops here.
 */
export async function checkConvergence(event: RoundEvent, deps: SpirtDeps): Promise<ConvergenceResult | DuplicateInProgress> {
  const { runId, peer, round, config } = event;
  const self = await openSelf(deps, runId, peer);
  return peerStepOnce(self, deps, runId, { step: 'convergence', round }, async () => {
    const data = await convergenceData(deps, event);
    const pos = roundPosition(round, roundsPerEpoch(data.train.count, config.batches, config.batchSize), config.epochs);
    const params = await onPeer(peer, () => self.db.tensors.get(self.keys.params));
    if (!params) throw new Error(`peer ${peer} has no parameters in its database for run ${runId}`);
    data.model.setParams(params);
    const val = data.model.evaluate({ x: data.validation.x, y: data.validation.y, count: data.validation.count });

    const figures = await roundFigures(self, round, pos.epoch);
    const losses = Object.values(await self.db.redis.hgetall(self.keys.batchLosses(round))).map(Number);
    await self.db.redis.multi()
      .hincrbyfloat(self.keys.epochStats(pos.epoch), 'lossSum', losses.reduce((a, b) => a + b, 0))
      .hincrby(self.keys.epochStats(pos.epoch), 'steps', losses.length)
      .hincrbyfloat(self.keys.epochStats(pos.epoch), 'updateSeconds', (figures.averageMs + figures.aggregateMs + figures.updateMs) / 1000)
      .rpush(self.keys.roundLog, JSON.stringify(figures))
      .exec();

    const target = hasTarget(config) ? await checkTarget(self, deps, event, val) : undefined;
    let converged = false;
    if (pos.lastOfEpoch || target?.stop) {
      converged = pos.lastOfEpoch && await earlyStopping(self, val.loss);
      // A run stopped by its target mid-epoch still reports that epoch, as far as it got.
      await recordPeerEpoch(self, deps, event, pos.epoch, data, params);
      if (!pos.lastOfRun && !converged && !target?.stop) await self.db.redis.hset(self.keys.epochStats(pos.epoch + 1), 'startedAt', Date.now());
    }
    const stopReason: SpirtStopReason | undefined = target?.reason ?? (converged ? 'early-stopping' : pos.lastOfRun ? 'epochs' : undefined);
    const stop = stopReason !== undefined;
    await recordUsage(self, deps.traffic.snapshot());
    deps.traffic.restore(emptyTraffic()); // counted once; finishPeer reads the totals from the database
    if (stopReason) await finishPeer(self, deps, event, params, (await initBackend()).name, { reason: stopReason, round, epoch: pos.epoch });
    return { stop, converged, epoch: pos.epoch, valLoss: val.loss, valAccuracy: val.accuracy, ...(stopReason ? { stopReason } : {}) };
  });
}

async function roundFigures(self: PeerSelf, round: number, epoch: number): Promise<RoundFigures> {
  const t = await self.db.redis.hgetall(self.keys.roundTimings(round));
  return {
    round, epoch, averageMs: Number(t.averageMs ?? 0), aggregateMs: Number(t.aggregateMs ?? 0), updateMs: Number(t.updateMs ?? 0),
    peers: (t.peers ?? '').split(',').filter(Boolean).map(Number),
  };
}

async function earlyStopping(self: PeerSelf, valLoss: number): Promise<boolean> {
  const raw = await self.db.redis.get(self.keys.earlyStopping);
  const state = raw ? JSON.parse(raw) as { bestLoss: number; badEpochs: number } : { bestLoss: Infinity, badEpochs: 0 };
  if (valLoss < state.bestLoss - EARLY_STOPPING.minDelta) Object.assign(state, { bestLoss: valLoss, badEpochs: 0 });
  else state.badEpochs += 1;
  await self.db.redis.set(self.keys.earlyStopping, JSON.stringify(state));
  return state.badEpochs >= EARLY_STOPPING.patience;
}

async function recordPeerEpoch(
  self: PeerSelf, deps: SpirtDeps, event: RoundEvent, epoch: number, data: PeerData, params: Float32Array,
): Promise<void> {
  const stats = await self.db.redis.hgetall(self.keys.epochStats(epoch));
  const n = (k: string) => Number(stats[k] ?? 0);
  const { traffic } = await readUsage(self);
  const epochStats: EpochStats = {
    lossSum: n('lossSum'), steps: n('steps'), computeSeconds: n('computeSeconds'), syncSeconds: n('syncSeconds'),
    updateSeconds: n('updateSeconds'), startedAt: n('startedAt'),
  };
  const { progress, summary } = await recordEpoch(
    deps.store, event.runId, { rank: self.peer, epoch, stats: epochStats, traffic }, data.test && { model: data.model, params, testSet: data.test },
  );
  if (summary) deps.log.info('epoch finished', { runId: event.runId, peer: self.peer, ...summary, trainLoss: progress.trainLoss });
}

/** The peer's validation rows and model; peer 0 also evaluates the test set at each epoch's end. */
function convergenceData(deps: SpirtDeps, event: PeerDataRef) {
  return peerDataOf(deps.store, event, event.peer === 0);
}

/** Its warm-up: the same data and model, loaded before round 1 (warm-up.ts). */
export async function preloadCheckConvergence(event: WarmUpEvent, deps: SpirtDeps): Promise<void> {
  await convergenceData(deps, event);
}
