import { signedAnnouncement, signedCredential, verifyAnnouncement, verifyCredential, FRESHNESS_MS, type RegisteredPeer, type VerifyContext } from '../../lib/frameworks/spirt/announcements';
import { decryptWith, encryptFor, generatePeerKeys, type PeerKeyPairs } from '../../lib/frameworks/spirt/identity';

// A peer believes an announcement only if the peer it names registered the signing key, for this
// run, recently, once. Everything else on the queue is rejected with the reason.

const RUN = 'spirt-test-run';
let alice: PeerKeyPairs;
let mallory: PeerKeyPairs;

beforeAll(() => {
  alice = generatePeerKeys();
  mallory = generatePeerKeys();
});

function context(seen = new Set<string>(), now?: Date): VerifyContext {
  const registry = new Map<number, RegisteredPeer>([[1, { peer: 1, signingPublicKey: alice.signingPublicKey, encryptionPublicKey: alice.encryptionPublicKey }]]);
  return {
    runId: RUN, now,
    registry: async (p) => registry.get(p),
    firstSighting: async (nonce) => (seen.has(nonce) ? false : (seen.add(nonce), true)),
  };
}

const statement = (keys: PeerKeyPairs, peerId = 1, runId = RUN) => ({
  peerId, endpoint: 'redis://127.0.0.1:7001', signingPublicKey: keys.signingPublicKey, encryptionPublicKey: keys.encryptionPublicKey, runId,
});

test('a genuine announcement is accepted once; its replay is rejected', async () => {
  const ctx = context();
  const message = JSON.stringify(signedAnnouncement(statement(alice), alice.signingPrivateKey));
  const first = await verifyAnnouncement(message, ctx);
  expect(first).toMatchObject({ ok: true, value: { peerId: 1, endpoint: 'redis://127.0.0.1:7001' } });
  expect(await verifyAnnouncement(message, ctx)).toEqual({ ok: false, reason: "peer 1's announcement is a replay" });
});

test('forgeries are rejected with the reason', async () => {
  const ctx = context();
  // An impostor claiming to be peer 1 with its own keys.
  const impostor = signedAnnouncement(statement(mallory), mallory.signingPrivateKey);
  expect(await verifyAnnouncement(JSON.stringify(impostor), ctx)).toEqual({ ok: false, reason: "peer 1's announcement carries keys other than its registered ones" });
  // Peer 1's registered keys, but signed by someone else.
  const wrongSigner = signedAnnouncement(statement(alice), mallory.signingPrivateKey);
  expect(await verifyAnnouncement(JSON.stringify(wrongSigner), ctx)).toEqual({ ok: false, reason: "bad signature on peer 1's announcement" });
  // A genuine announcement altered in transit (endpoint redirected).
  const tampered = signedAnnouncement(statement(alice), alice.signingPrivateKey);
  tampered.statement.endpoint = 'redis://203.0.113.9:6379';
  expect(await verifyAnnouncement(JSON.stringify(tampered), ctx)).toEqual({ ok: false, reason: "bad signature on peer 1's announcement" });
  // A peer the run does not know, another run, garbage.
  expect(await verifyAnnouncement(JSON.stringify(signedAnnouncement(statement(mallory, 7), mallory.signingPrivateKey)), ctx)).toEqual({ ok: false, reason: 'peer 7 is not registered for this run' });
  expect(await verifyAnnouncement(JSON.stringify(signedAnnouncement(statement(alice, 1, 'other-run'), alice.signingPrivateKey)), ctx)).toEqual({ ok: false, reason: 'announcement for another run (other-run)' });
  expect(await verifyAnnouncement('{"type":"announcement"', ctx)).toEqual({ ok: false, reason: 'malformed announcement' });
});

test('a stale or future-dated announcement is rejected even with a valid signature', async () => {
  const old = signedAnnouncement(statement(alice), alice.signingPrivateKey, new Date(Date.now() - FRESHNESS_MS - 60_000));
  const verdict = await verifyAnnouncement(JSON.stringify(old), context());
  expect(verdict.ok).toBe(false);
  expect(!verdict.ok && verdict.reason).toMatch(/^peer 1's announcement is stale: issued \d+ s ago \(limit 300 s\)$/);
  const future = signedAnnouncement(statement(alice), alice.signingPrivateKey, new Date(Date.now() + 120_000));
  expect(await verifyAnnouncement(JSON.stringify(future), context())).toEqual({ ok: false, reason: "peer 1's announcement is issued in the future" });
});

test('credentials travel encrypted for the recipient and signed by the sender', async () => {
  const bob = generatePeerKeys();
  const ciphertext = encryptFor(bob.encryptionPublicKey, 's3cr3t-password');
  expect(ciphertext).not.toContain('s3cr3t');
  const message = JSON.stringify(signedCredential({ from: 1, to: 0, runId: RUN, ciphertext }, alice.signingPrivateKey));
  const verdict = await verifyCredential(message, 0, context());
  expect(verdict.ok).toBe(true);
  expect(verdict.ok && decryptWith(bob.encryptionPrivateKey, verdict.value.ciphertext)).toBe('s3cr3t-password');
  expect(() => decryptWith(mallory.encryptionPrivateKey, ciphertext)).toThrow();
  expect(await verifyCredential(message, 2, context())).toEqual({ ok: false, reason: 'credential addressed to peer 0' });
  const forged = JSON.stringify(signedCredential({ from: 1, to: 0, runId: RUN, ciphertext }, mallory.signingPrivateKey));
  expect(await verifyCredential(forged, 0, context())).toEqual({ ok: false, reason: "bad signature on peer 1's credential" });
});
