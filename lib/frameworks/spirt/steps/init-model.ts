import type { DuplicateInProgress } from '../../../functions/idempotency';
import { peerStepOnce } from '../step-once';
import type { SpirtDeps } from '../deps';
import type { PeerEvent } from '../events';
import { peerModel } from '../data';
import { openSelf, recordUsage } from '../peer';
import { onPeer } from '../peer-db';

/** init_model: the shared-seed initial parameters into the peer's database, then round 1. */
export async function initModel(event: PeerEvent, deps: SpirtDeps): Promise<{ peer: number; params: number } | DuplicateInProgress> {
  const { runId, peer, config, manifestKey } = event;
  const self = await openSelf(deps, runId, peer);
  return peerStepOnce(self, deps, runId, { step: 'init-model' }, async () => {
    // Only the shape is needed here: the shard is downloaded by the steps that compute.
    const model = await peerModel(deps.store, event);
    const params = model.initialParams(config.seed); // the same on every peer
    await onPeer(peer, () => self.db.tensors.set(self.keys.params, params));
    await onPeer(peer, () => self.db.redis.hset(self.keys.epochStats(1), 'startedAt', Date.now()));
    await deps.rounds.start({ runId, peer, round: 1, config, manifestKey });
    await recordUsage(self, deps.traffic.snapshot());
    deps.log.info('model initialised, round 1 started', { runId, peer, params: params.length });
    return { peer, params: params.length };
  });
}
