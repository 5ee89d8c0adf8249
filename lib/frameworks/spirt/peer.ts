import { initBackend } from '../../ml/backend';
import { downloadShard, downloadTestSet, loadManifest } from '../../ml/data/bucket';
import type { Dataset } from '../../ml/data/types';
import { createModel, type FlatModel } from '../../ml/models';
import type { TrafficSnapshot } from '../../metrics/traffic';
import { REQUEST_KINDS } from '../../metrics/traffic';
import type { ObjectStore } from '../../stores/types';
import type { SpirtDeps } from './deps';
import { peerKeys, type PeerKeys } from './keys';
import { onPeer, openPeerDatabase, PeerDatabaseUnavailable, type PeerDatabase } from './peer-db';
import { splitShard } from './rounds';
import type { Announcement } from './announcements';

// A peer's view of itself and of the peers it trusts, shared by every step.

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
export async function openTrustedPeer(deps: SpirtDeps, self: PeerSelf, other: number, endpoint: string, commandTimeoutMs?: number): Promise<PeerDatabase> {
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

export interface PeerData {
  train: Dataset;
  validation: Dataset;
  test?: Dataset;
  model: FlatModel;
}

// A warm function keeps its shard and model: only the first invocation downloads them.
const dataCache = new Map<string, PeerData>();

export async function peerData(store: ObjectStore, manifestKey: string, workers: number, peer: number, modelKind: Parameters<typeof createModel>[0], withTestSet = false): Promise<PeerData> {
  await initBackend();
  const cacheKey = `${manifestKey}|${peer}|${modelKind}`;
  const cached = dataCache.get(cacheKey);
  if (cached && (!withTestSet || cached.test)) return cached;
  const manifest = await loadManifest(store, manifestKey, workers);
  const shard = cached ? undefined : await downloadShard(store, manifest, peer);
  const split = shard ? splitShard(shard) : cached!;
  const meta = manifest.train[peer];
  const data: PeerData = {
    train: split.train, validation: split.validation,
    test: withTestSet ? await downloadTestSet(store, manifest) : cached?.test,
    model: cached?.model ?? createModel(modelKind, { inputShape: meta.featureShape, numClasses: meta.numClasses }),
  };
  dataCache.set(cacheKey, data);
  return data;
}
