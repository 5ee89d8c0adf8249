import type { TrafficSnapshot } from '../../metrics/traffic';
import { REQUEST_KINDS } from '../../metrics/traffic';
import type { SpirtDeps } from './deps';
import { peerKeys, type PeerKeys } from './keys';
import { onPeer, openPeerDatabase, PeerDatabaseUnavailable, type PeerDatabase } from './peer-db';
import type { Announcement } from './announcements';

// A peer's view of itself and of the peers it trusts, shared by every step. (No TensorFlow.js
// here: the steps that only move tensors stay light to start.)

export interface PeerSelf {
  peer: number;
  keys: PeerKeys;
  db: PeerDatabase;
}

export async function openSelf(deps: SpirtDeps, runId: string, peer: number): Promise<PeerSelf> {
  const address = await deps.directory.ownDatabase(peer);
  return { peer, keys: peerKeys(runId), db: openPeerDatabase(address, deps.traffic) };
}

/** The announcements this peer verified, by peer id (itself excluded). */
export async function trustedPeers(self: PeerSelf): Promise<Map<number, Announcement>> {
  const raw = await onPeer(self.peer, () => self.db.redis.hgetall(self.keys.trusted));
  return new Map(Object.entries(raw).map(([id, json]) => [Number(id), JSON.parse(json) as Announcement]));
}

export async function inactivePeers(self: PeerSelf): Promise<Set<number>> {
  return new Set((await onPeer(self.peer, () => self.db.redis.smembers(self.keys.inactive))).map(Number));
}

/** Another peer's database, reached with the credential it sent us during auth. */
export async function openTrustedPeer(deps: Pick<SpirtDeps, 'traffic'>, self: PeerSelf, other: number, endpoint: string, commandTimeoutMs?: number): Promise<PeerDatabase> {
  const password = await onPeer(self.peer, () => self.db.redis.hget(self.keys.credentials, String(other)));
  if (!password) throw new PeerDatabaseUnavailable(`peer ${self.peer} has no credential for peer ${other}'s database`);
  return openPeerDatabase({ endpoint, password }, deps.traffic, commandTimeoutMs);
}

/** Adds this invocation's traffic to the peer's running totals, and counts the invocation. */
export async function recordUsage(self: PeerSelf, traffic: TrafficSnapshot): Promise<void> {
  const m = self.db.redis.multi().hincrby(self.keys.traffic, 'bytesWritten', traffic.bytesWritten)
    .hincrby(self.keys.traffic, 'bytesRead', traffic.bytesRead)
    .hincrby(self.keys.traffic, 's3WriteRequests', traffic.s3WriteRequests)
    .incr(self.keys.invocations);
  for (const kind of REQUEST_KINDS) m.hincrby(self.keys.traffic, kind, traffic.requests[kind]);
  await m.exec();
}

export async function readUsage(self: PeerSelf): Promise<{ traffic: TrafficSnapshot; invocations: number }> {
  const raw = await self.db.redis.hgetall(self.keys.traffic);
  const n = (k: string) => Number(raw[k] ?? 0);
  const requests = Object.fromEntries(REQUEST_KINDS.map((k) => [k, n(k)])) as TrafficSnapshot['requests'];
  const invocations = Number((await self.db.redis.get(self.keys.invocations)) ?? 0);
  return { traffic: { bytesWritten: n('bytesWritten'), bytesRead: n('bytesRead'), requests, s3WriteRequests: n('s3WriteRequests') }, invocations };
}

