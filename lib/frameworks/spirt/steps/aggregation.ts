import type { DuplicateInProgress } from '../../../functions/idempotency';
import { peerStepOnce } from '../step-once';
import { aggregate, trimCount } from '../../../comm/aggregation';
import type { ReduceOp } from '../../../stores/tensor-client';
import type { SpirtDeps } from '../deps';
import type { RoundEvent } from '../events';
import { inactivePeers, openSelf, recordUsage, trustedPeers } from '../peer';
import { readPeerAverages } from '../peer-averages';
import { onPeer } from '../peer-db';

/**
 * Aggregation: reads the averaged gradient of every active trusted peer, itself included, and
 * combines them with the configured rule into the aggregated gradient in its own database. In the
 * in-database path the copies land in the database and one module command reduces them.
 */
export async function aggregatePeers(event: RoundEvent, deps: SpirtDeps): Promise<{ peers: number[]; skipped: number[]; aggregateMs: number } | DuplicateInProgress> {
  const { runId, peer, round, config } = event;
  const self = await openSelf(deps, runId, peer);
  return peerStepOnce(self, deps, runId, { step: 'aggregate', round }, async () => {
    const [trusted, inactive] = await Promise.all([trustedPeers(self), inactivePeers(self)]);
    const others = [...trusted.entries()].filter(([p]) => !inactive.has(p)).sort(([a], [b]) => a - b);
    const fetched = await readPeerAverages(deps, self, runId, round, others);
    const usable = fetched.filter((f): f is { peer: number; grad: Float32Array } => f.grad !== undefined);
    const skipped = fetched.filter((f) => f.grad === undefined).map((f) => f.peer);
    const peers = [peer, ...usable.map((f) => f.peer)].sort((a, b) => a - b);

    const t0 = performance.now();
    if (config.inDb) {
      await Promise.all(usable.map((f) => onPeer(peer, () => self.db.tensors.set(self.keys.peerAverage(round, f.peer), f.grad))));
      const sources = [self.keys.averaged(round), ...usable.map((f) => self.keys.peerAverage(round, f.peer))];
      await onPeer(peer, () => self.db.tensors.reduce(self.keys.aggregated(round), reduceOp(config.aggregation, sources.length), sources));
    } else {
      const own = await onPeer(peer, () => self.db.tensors.get(self.keys.averaged(round)));
      if (!own) throw new Error(`peer ${peer} has no averaged gradient for round ${round}`);
      const rule = config.aggregation === 'trimmed-mean' && trimCount(usable.length + 1) === 0 ? 'mean' : config.aggregation;
      await self.db.tensors.set(self.keys.aggregated(round), aggregate([own, ...usable.map((f) => f.grad)], rule));
    }
    const aggregateMs = performance.now() - t0;
    await self.db.redis.hset(self.keys.roundTimings(round), 'aggregateMs', aggregateMs.toFixed(3), 'peers', peers.join(','));
    await recordUsage(self, deps.traffic.snapshot());
    if (skipped.length) deps.log.warn('aggregated without some active peers', { runId, peer, round, skipped });
    return { peers, skipped, aggregateMs };
  });
}

function reduceOp(rule: RoundEvent['config']['aggregation'], count: number): ReduceOp {
  if (rule === 'median') return 'median';
  if (rule === 'trimmed-mean' && trimCount(count) > 0) return { trimmedMean: trimCount(count) };
  return 'mean';
}
