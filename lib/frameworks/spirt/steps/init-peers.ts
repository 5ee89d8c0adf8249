import type { DuplicateInProgress } from '../../../functions/idempotency';
import { peerStepOnce } from '../step-once';
import { registerPeer, signedAnnouncement } from '../announcements';
import type { SpirtDeps } from '../deps';
import type { PeerEvent } from '../events';
import { generatePeerKeys } from '../identity';
import { openSelf, recordUsage } from '../peer';
import { onPeer } from '../peer-db';
import { warmRoundFunctions } from '../warm-up';

/**
 * init_peers: creates the peer's key pairs, keeps the private keys in its own database (only it
 * has the password), publishes the public keys in the run's registry, announces itself to every
 * other peer with a signed statement, warms the round's functions (warm-up.ts), then starts
 * init_model.
 */
export async function initPeer(event: PeerEvent, deps: SpirtDeps): Promise<{ peer: number; announcedTo: number[] } | DuplicateInProgress> {
  const { runId, peer, config } = event;
  const self = await openSelf(deps, runId, peer);
  return peerStepOnce(self, deps, runId, { step: 'init-peer' }, async () => {
    const address = await deps.directory.ownDatabase(peer);
    const keys = generatePeerKeys();
    await onPeer(peer, () => self.db.redis.mset(self.keys.signingKey, keys.signingPrivateKey, self.keys.decryptionKey, keys.encryptionPrivateKey));
    await registerPeer(deps.store, runId, { peer, signingPublicKey: keys.signingPublicKey, encryptionPublicKey: keys.encryptionPublicKey });
    const announcement = signedAnnouncement({
      peerId: peer, endpoint: address.endpoint, signingPublicKey: keys.signingPublicKey, encryptionPublicKey: keys.encryptionPublicKey, runId,
    }, keys.signingPrivateKey);
    const others = Array.from({ length: config.workers }, (_, p) => p).filter((p) => p !== peer);
    const queues = deps.queues(runId);
    await Promise.all(others.map((p) => queues.send(p, 'waiting', announcement)));
    await warmRoundFunctions(deps, event);
    await deps.invoker.invokeAsync(deps.functionName('init_model'), event);
    await recordUsage(self, deps.traffic.snapshot());
    deps.log.info('peer announced', { runId, peer, announcedTo: others });
    return { peer, announcedTo: others };
  });
}
