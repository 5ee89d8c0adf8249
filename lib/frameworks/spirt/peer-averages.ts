import type { Announcement } from './announcements';
import type { SpirtDeps } from './deps';
import { openTrustedPeer, type PeerSelf } from './peer';

export interface PeerAverage {
  peer: number;
  /** undefined when the peer's database could not be read: aggregation goes on without it. */
  grad: Float32Array | undefined;
}

/**
 * Reads the averaged gradient of round `round` from each of `others`' databases, in parallel, with
 * the peer database's ordinary command timeout (30 s). It was 5 s: with ResNet-18 (44.7 MB
 * gradients, four peers each reading three at once) single reads took 0.95-5.7 s at load 6-11,
 * and a read past 5 s dropped a live peer from that one peer's aggregation, so its model differed.
 */
export async function readPeerAverages(
  deps: Pick<SpirtDeps, 'traffic' | 'log'>, self: PeerSelf, runId: string, round: number, others: [number, Announcement][],
): Promise<PeerAverage[]> {
  return Promise.all(others.map(async ([p, announcement]) => {
    const t0 = performance.now();
    try {
      const db = await openTrustedPeer(deps, self, p, announcement.endpoint);
      const grad = await db.tensors.get(self.keys.averaged(round));
      deps.log.info('read a peer\'s averaged gradient', { runId, peer: self.peer, round, from: p, ms: Math.round(performance.now() - t0) });
      return { peer: p, grad };
    } catch (err) {
      deps.log.warn('could not read a peer\'s averaged gradient', { runId, peer: self.peer, round, from: p, error: (err as Error).message });
      return { peer: p, grad: undefined };
    }
  }));
}
