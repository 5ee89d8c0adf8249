import { sleep } from '../../../util/wait';
import { registeredPeer, signedCredential, verifyAnnouncement, verifyCredential, type RegisteredPeer, type VerifyContext } from '../announcements';
import type { SpirtDeps } from '../deps';
import type { RoundEvent } from '../events';
import { decryptWith, encryptFor } from '../identity';
import { openSelf, recordUsage, type PeerSelf } from '../peer';
import { onPeer } from '../peer-db';

export interface AuthResult {
  trusted: number[];
  withCredentials: number[];
  rejected: number;
}

/**
 * auth: admits the peers whose announcements verify, sends each newly admitted peer this peer's
 * database credential encrypted for it, and stores the credentials it receives. In round 1 it
 * waits (bounded) until every peer of the run is admitted both ways, so that all start together.
 */
export async function authenticate(event: RoundEvent, deps: SpirtDeps): Promise<AuthResult> {
  const { runId, peer, round, config } = event;
  const self = await openSelf(deps, runId, peer);
  const queues = deps.queues(runId);
  const registry = new Map<number, RegisteredPeer | undefined>();
  const ctx: VerifyContext = {
    runId,
    registry: async (p) => {
      if (!registry.has(p) || !registry.get(p)) registry.set(p, p < config.workers ? await registeredPeer(deps.store, runId, p) : undefined);
      return registry.get(p);
    },
    firstSighting: async (nonce) => (await self.db.redis.sadd(self.keys.seenNonces, nonce)) === 1,
  };
  const [signingKey, decryptionKey] = await onPeer(peer, () => self.db.redis.mget(self.keys.signingKey, self.keys.decryptionKey));
  if (!signingKey || !decryptionKey) throw new Error(`peer ${peer} has no private keys in its database (init_peers did not run for run ${runId})`);
  const ownPassword = (await deps.directory.ownDatabase(peer)).password;
  const expected = config.workers - 1;
  const deadline = Date.now() + config.syncTimeoutSeconds * 1000;
  let rejected = 0;
  for (;;) {
    rejected += await admitAnnouncements(self, deps, queues, ctx, signingKey, ownPassword, event);
    rejected += await storeCredentials(self, deps, queues, ctx, decryptionKey, event);
    const [trusted, creds] = await Promise.all([self.db.redis.hlen(self.keys.trusted), self.db.redis.hlen(self.keys.credentials)]);
    if (round > 1 || (trusted >= expected && creds >= expected)) break;
    if (Date.now() > deadline) {
      deps.log.warn('not every peer was admitted in time; continuing with those that were', { runId, peer, trusted, credentials: creds, expected });
      break;
    }
    await sleep(100);
  }
  const trusted = (await self.db.redis.hkeys(self.keys.trusted)).map(Number).sort((a, b) => a - b);
  const withCredentials = (await self.db.redis.hkeys(self.keys.credentials)).map(Number).sort((a, b) => a - b);
  await recordUsage(self, deps.traffic.snapshot());
  if (round === 1 || rejected) deps.log.info('authenticated', { runId, peer, round, trusted, withCredentials, rejected });
  return { trusted, withCredentials, rejected };
}

async function admitAnnouncements(
  self: PeerSelf, deps: SpirtDeps, queues: ReturnType<SpirtDeps['queues']>, ctx: VerifyContext, signingKey: string, ownPassword: string, event: RoundEvent,
): Promise<number> {
  const messages = await queues.receive(self.peer, 'waiting', 0);
  let rejected = 0;
  for (const m of messages) {
    const verdict = await verifyAnnouncement(m.body, ctx);
    if (!verdict.ok || verdict.value.peerId === self.peer) {
      rejected++;
      deps.log.warn('announcement rejected', { runId: event.runId, peer: self.peer, reason: verdict.ok ? 'announces this peer itself' : verdict.reason });
      continue;
    }
    const other = verdict.value;
    await self.db.redis.hset(self.keys.trusted, String(other.peerId), JSON.stringify(other));
    if ((await self.db.redis.hsetnx(self.keys.credentialsSent, String(other.peerId), '1')) === 1) {
      const ciphertext = encryptFor(other.encryptionPublicKey, ownPassword);
      await queues.send(other.peerId, 'password', signedCredential({ from: self.peer, to: other.peerId, runId: event.runId, ciphertext }, signingKey));
    }
  }
  await queues.delete(self.peer, 'waiting', messages);
  return rejected;
}

async function storeCredentials(
  self: PeerSelf, deps: SpirtDeps, queues: ReturnType<SpirtDeps['queues']>, ctx: VerifyContext, decryptionKey: string, event: RoundEvent,
): Promise<number> {
  const messages = await queues.receive(self.peer, 'password', 0);
  let rejected = 0;
  for (const m of messages) {
    const verdict = await verifyCredential(m.body, self.peer, ctx);
    if (!verdict.ok) {
      rejected++;
      deps.log.warn('credential rejected', { runId: event.runId, peer: self.peer, reason: verdict.reason });
      continue;
    }
    let password: string;
    try {
      password = decryptWith(decryptionKey, verdict.value.ciphertext);
    } catch {
      rejected++;
      deps.log.warn('credential rejected', { runId: event.runId, peer: self.peer, reason: `peer ${verdict.value.from}'s credential does not decrypt with this peer's key` });
      continue;
    }
    await self.db.redis.hset(self.keys.credentials, String(verdict.value.from), password);
  }
  await queues.delete(self.peer, 'password', messages);
  return rejected;
}
