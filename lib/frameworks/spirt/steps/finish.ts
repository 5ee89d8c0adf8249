import { encodeTensor, sha256Hex } from '../../../ml/tensor';
import { loadJson, saveJson } from '../../../stores/json';
import type { RunDone, WorkerReport } from '../../run/reports';
import { runKeys } from '../../run/run-keys';
import { markRunFailed } from '../../run/run-status';
import type { SpirtDeps } from '../deps';
import type { RoundEvent } from '../events';
import { inactivePeers, readUsage, trustedPeers, type PeerSelf } from '../peer';
import type { RoundFigures } from './convergence';
import type { TargetStopReason } from './target';

/** A SPIRT peer's report also carries its per-round timings of averaging, aggregation and update. */
export interface SpirtPeerReport extends WorkerReport {
  inDb: boolean;
  rounds: RoundFigures[];
}

/** Why a SPIRT run ended: its epochs, the no-improvement rule, or the user's target. */
export type SpirtStopReason = 'epochs' | 'early-stopping' | TargetStopReason;

export interface SpirtStop {
  reason: SpirtStopReason;
  round: number;
  epoch: number;
}

/**
 * A peer's training is over: it reports, and the peer that finds every active peer's report
 * writes the run's done marker (a peer finishing last always does; two doing it write the same).
 */
export async function finishPeer(self: PeerSelf, deps: SpirtDeps, event: RoundEvent, params: Float32Array, backend: string, stop: SpirtStop): Promise<void> {
  const { runId, config } = event;
  const keys = runKeys(runId);
  const { traffic, invocations } = await readUsage(self);
  const rounds = (await self.db.redis.lrange(self.keys.roundLog, 0, -1)).map((r) => JSON.parse(r) as RoundFigures);
  const report: SpirtPeerReport = { rank: self.peer, backend, paramsDigest: sha256Hex(params), invocations, traffic, inDb: config.inDb, rounds };
  await saveJson(deps.store, keys.report(self.peer), report);
  if (self.peer === 0) await deps.store.save(keys.finalModel, encodeTensor(params));

  const [trusted, inactive] = await Promise.all([trustedPeers(self), inactivePeers(self)]);
  const expected = [self.peer, ...[...trusted.keys()].filter((p) => !inactive.has(p))].sort((a, b) => a - b);
  const reports = (await Promise.all(Array.from({ length: config.workers }, (_, p) => loadJson<SpirtPeerReport>(deps.store, keys.report(p)))))
    .filter((r): r is SpirtPeerReport => r !== undefined);
  const reported = new Set(reports.map((r) => r.rank));
  if (!expected.every((p) => reported.has(p))) {
    deps.log.info('peer finished; waiting for the others to report', { runId, peer: self.peer, missing: expected.filter((p) => !reported.has(p)) });
    return;
  }
  const counted = reports.filter((r) => expected.includes(r.rank));
  const excluded = Array.from({ length: config.workers }, (_, p) => p).filter((p) => !expected.includes(p));
  await deps.queues(runId).remove(config.workers);
  const digests = counted.map((r) => `peer ${r.rank} ${r.paramsDigest.slice(0, 12)}`).join(', ');
  const differ = new Set(counted.map((r) => r.paramsDigest)).size > 1;
  if (differ && excluded.length === 0) {
    // Every peer applies the same aggregated gradients to the same initial model: peers that
    // disagree with nobody excluded mean the run went wrong, and no one peer's model is the run's.
    const failure = await markRunFailed(deps.store, runId, `the peers ended with different models (${digests})`, `peer ${self.peer}`);
    deps.log.error('run failed: the peers ended with different models', { runId, peer: self.peer, reason: failure.reason });
    return;
  }
  const reference = counted.find((r) => r.rank === 0) ?? counted[0];
  const summary = excluded.length ? excludedSummary(excluded, expected) + (differ ? `; the remaining peers' models differ (${digests}), as each stopped aggregating the excluded peers from the round it found them unreachable, and the run's digest is peer ${reference.rank}'s` : '') : undefined;
  const done: RunDone = {
    paramsDigest: reference.paramsDigest, numParams: params.length, finishedAt: new Date().toISOString(), reports: counted,
    ...(stop.epoch < config.epochs || stop.reason !== 'epochs' ? { epochs: stop.epoch } : {}),
    details: {
      stopReason: stop.reason, stoppedAtRound: stop.round, stoppedAtEpoch: stop.epoch,
      ...(summary ? { excludedPeers: excluded, peerDigests: Object.fromEntries(counted.map((r) => [r.rank, r.paramsDigest])), summary } : {}),
    },
  };
  await saveJson(deps.store, keys.done, done);
  deps.log.info('run finished', { runId, peer: self.peer, peersReported: counted.map((r) => r.rank), excludedPeers: excluded, distinctModels: new Set(counted.map((r) => r.paramsDigest)).size });
}

function excludedSummary(excluded: number[], kept: number[]): string {
  const who = `peer${excluded.length > 1 ? 's' : ''} ${excluded.join(', ')}`;
  return `${who} excluded during the run (unresponsive to the heartbeat); the model is that of peers ${kept.join(', ')}`;
}
