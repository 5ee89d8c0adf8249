import type { Announcement } from './announcements';
import type { SpirtDeps } from './deps';
import { openTrustedPeer, type PeerSelf } from './peer';

export interface PeerAverage {
  peer: number;
  /** undefined when the peer's database could not be read: aggregation goes on without it. */
  grad: Float32Array | undefined;
}

/**
 * Reads the averaged gradient of round `round` from each of `others`' databases, in parallel. The
 * reads use the peer database's ordinary command timeout (30 s), not a short one: a ResNet-18
 * gradient is 44.7 MB, and four peers reading three of them at once took up to ~7 s at load 11,
 * so a 5 s timeout dropped a live peer and left that one peer with a different model.
 */
export async function readPeerAverages(
  deps: Pick<SpirtDeps, 'traffic' | 'log'>, self: PeerSelf, runId: string, round: number, others: [number, Announcement][],
): Promise<PeerAverage[]> {
  return Promise.all(others.map(async ([p, announcement]) => {
    try {
      const db = await openTrustedPeer(deps, self, p, announcement.endpoint);
      return { peer: p, grad: await db.tensors.get(self.keys.averaged(round)) };
    } catch (err) {
      deps.log.warn('could not read a peer\'s averaged gradient', { runId, peer: self.peer, round, from: p, error: (err as Error).message });
      return { peer: p, grad: undefined };
    }
  }));
}
