import { z } from 'zod';
import { loadJson, saveJson } from '../../stores/json';
import type { ObjectStore } from '../../stores/types';
import { runKeys } from '../run/run-keys';
import { newNonce, signStatement, verifyStatement } from './identity';

// What peers tell each other over SQS, and how a receiver decides to believe it. The queues are
// untrusted transport; the root of trust is the run's key registry in the bucket, where each
// peer's init_peers publishes its public keys. A message is accepted only if it is signed by the
// registered key of the peer it claims to come from, names this run, is fresh, and was not seen.

export const FRESHNESS_MS = 5 * 60_000;
const CLOCK_SKEW_MS = 30_000;

export interface RegisteredPeer {
  peer: number;
  signingPublicKey: string;
  encryptionPublicKey: string;
}

const statementSchema = z.object({
  peerId: z.number().int().min(0),
  endpoint: z.string().min(1),
  signingPublicKey: z.string().min(1),
  encryptionPublicKey: z.string().min(1),
  runId: z.string().min(1),
  issuedAt: z.string().datetime(),
  nonce: z.string().regex(/^[0-9a-f]{32}$/),
}).strict();

export type Announcement = z.output<typeof statementSchema>;

const announcementMessageSchema = z.object({ type: z.literal('announcement'), statement: statementSchema, signature: z.string().min(1) }).strict();

const credentialBodySchema = z.object({
  from: z.number().int().min(0),
  to: z.number().int().min(0),
  runId: z.string().min(1),
  issuedAt: z.string().datetime(),
  nonce: z.string().regex(/^[0-9a-f]{32}$/),
  /** The sender's database password, RSA-OAEP encrypted for the recipient, base64. */
  ciphertext: z.string().min(1),
}).strict();

const credentialMessageSchema = z.object({ type: z.literal('credential'), body: credentialBodySchema, signature: z.string().min(1) }).strict();

export type CredentialBody = z.output<typeof credentialBodySchema>;

export function registryKey(runId: string, peer: number): string {
  return `${runKeys(runId).root}peers/peer-${peer}.json`;
}

export async function registerPeer(store: ObjectStore, runId: string, entry: RegisteredPeer): Promise<void> {
  await saveJson(store, registryKey(runId, entry.peer), entry);
}

export function registeredPeer(store: ObjectStore, runId: string, peer: number): Promise<RegisteredPeer | undefined> {
  return loadJson<RegisteredPeer>(store, registryKey(runId, peer));
}

export function signedAnnouncement(statement: Omit<Announcement, 'issuedAt' | 'nonce'>, signingPrivateKey: string, now = new Date()) {
  const full: Announcement = { ...statement, issuedAt: now.toISOString(), nonce: newNonce() };
  return { type: 'announcement' as const, statement: full, signature: signStatement(full, signingPrivateKey) };
}

export function signedCredential(body: Omit<CredentialBody, 'issuedAt' | 'nonce'>, signingPrivateKey: string, now = new Date()) {
  const full: CredentialBody = { ...body, issuedAt: now.toISOString(), nonce: newNonce() };
  return { type: 'credential' as const, body: full, signature: signStatement(full, signingPrivateKey) };
}

export type Verdict<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface VerifyContext {
  runId: string;
  /** The registered keys of a peer of this run, if it has any. */
  registry(peer: number): Promise<RegisteredPeer | undefined>;
  /** Records the nonce and says whether it had been seen before (replay). */
  firstSighting(nonce: string): Promise<boolean>;
  now?: Date;
}

function freshness(issuedAt: string, now: Date): string | undefined {
  const age = now.getTime() - Date.parse(issuedAt);
  if (age > FRESHNESS_MS) return `stale: issued ${Math.round(age / 1000)} s ago (limit ${FRESHNESS_MS / 1000} s)`;
  if (age < -CLOCK_SKEW_MS) return 'issued in the future';
  return undefined;
}

export async function verifyAnnouncement(raw: string, ctx: VerifyContext): Promise<Verdict<Announcement>> {
  const parsed = announcementMessageSchema.safeParse(safeJson(raw));
  if (!parsed.success) return { ok: false, reason: 'malformed announcement' };
  const { statement, signature } = parsed.data;
  if (statement.runId !== ctx.runId) return { ok: false, reason: `announcement for another run (${statement.runId})` };
  const registered = await ctx.registry(statement.peerId);
  if (!registered) return { ok: false, reason: `peer ${statement.peerId} is not registered for this run` };
  if (registered.signingPublicKey !== statement.signingPublicKey || registered.encryptionPublicKey !== statement.encryptionPublicKey) {
    return { ok: false, reason: `peer ${statement.peerId}'s announcement carries keys other than its registered ones` };
  }
  if (!verifyStatement(statement, signature, registered.signingPublicKey)) return { ok: false, reason: `bad signature on peer ${statement.peerId}'s announcement` };
  const stale = freshness(statement.issuedAt, ctx.now ?? new Date());
  if (stale) return { ok: false, reason: `peer ${statement.peerId}'s announcement is ${stale}` };
  if (!(await ctx.firstSighting(statement.nonce))) return { ok: false, reason: `peer ${statement.peerId}'s announcement is a replay` };
  return { ok: true, value: statement };
}

export async function verifyCredential(raw: string, recipient: number, ctx: VerifyContext): Promise<Verdict<CredentialBody>> {
  const parsed = credentialMessageSchema.safeParse(safeJson(raw));
  if (!parsed.success) return { ok: false, reason: 'malformed credential message' };
  const { body, signature } = parsed.data;
  if (body.runId !== ctx.runId) return { ok: false, reason: `credential for another run (${body.runId})` };
  if (body.to !== recipient) return { ok: false, reason: `credential addressed to peer ${body.to}` };
  const registered = await ctx.registry(body.from);
  if (!registered) return { ok: false, reason: `peer ${body.from} is not registered for this run` };
  if (!verifyStatement(body, signature, registered.signingPublicKey)) return { ok: false, reason: `bad signature on peer ${body.from}'s credential` };
  const stale = freshness(body.issuedAt, ctx.now ?? new Date());
  if (stale) return { ok: false, reason: `peer ${body.from}'s credential is ${stale}` };
  if (!(await ctx.firstSighting(body.nonce))) return { ok: false, reason: `peer ${body.from}'s credential is a replay` };
  return { ok: true, value: body };
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
