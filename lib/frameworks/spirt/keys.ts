import { createHash } from 'node:crypto';

// Where a SPIRT peer keeps its state in its own database, and what its run's queues are called.
// Every key names the run, and where relevant the round and the batch.

export const peerKeys = (runId: string) => {
  const root = `spirt:${runId}:`;
  const round = (r: number) => `${root}r${r}:`;
  return {
    root,
    params: `${root}params`,
    batchGradient: (r: number, batch: number) => `${round(r)}grad:${batch}`,
    batchLosses: (r: number) => `${round(r)}losses`,
    averaged: (r: number) => `${round(r)}avg`,
    /** A copy of another peer's averaged gradient, for the in-database aggregation. */
    peerAverage: (r: number, peer: number) => `${round(r)}peer-avg:${peer}`,
    aggregated: (r: number) => `${round(r)}agg`,
    roundPrefix: round,
    /** Peers that said they finished round r (filled by the barrier). */
    finished: (r: number) => `${round(r)}finished`,
    /** Per-round timings of the in-database (or in-function) steps. */
    roundTimings: (r: number) => `${round(r)}timings`,
    signingKey: `${root}identity:signing-key`,
    decryptionKey: `${root}identity:decryption-key`,
    /** Hash: peer id → JSON of its verified announcement. */
    trusted: `${root}trusted`,
    /** Hash: peer id → that peer's database password (received encrypted, stored here only). */
    credentials: `${root}credentials`,
    /** Hash: peer id → 1 for peers this peer already sent its own credential to. */
    credentialsSent: `${root}credentials-sent`,
    /** Set of peer ids excluded by the heartbeat. */
    inactive: `${root}inactive`,
    /** Set of announcement nonces already seen (replay protection). */
    seenNonces: `${root}seen-nonces`,
    earlyStopping: `${root}early-stopping`,
    /** The last round checked against the user's target, and how many rounds in a row met it. */
    targetStreak: `${root}target-streak`,
    /** Hash of the epoch's running figures (loss sum, steps, seconds per phase, start time). */
    epochStats: (epoch: number) => `${root}epoch-stats:${epoch}`,
    /** Hash of this peer's cumulative traffic, added to by every invocation. */
    traffic: `${root}traffic`,
    invocations: `${root}invocations`,
    /** List of JSON per-round figures (timings of the in-database steps, peers aggregated). */
    roundLog: `${root}round-log`,
  };
};

export type PeerKeys = ReturnType<typeof peerKeys>;

export const QUEUE_KINDS = ['waiting', 'password', 'sync'] as const;
export type QueueKind = (typeof QUEUE_KINDS)[number];

/**
 * SQS names are at most 80 characters: the run is named by a hash, the prefix by the deployment
 * (`<service>-<stage>`), so IAM can grant queue rights on `<prefix>-*` only.
 */
export function queueName(prefix: string, runId: string, peer: number, kind: QueueKind): string {
  const run = createHash('sha256').update(runId).digest('hex').slice(0, 12);
  const name = `${prefix}-${run}-p${peer}-${kind}`;
  if (name.length > 80) throw new Error(`queue name ${name} is longer than SQS's 80 characters: shorten the service or stage name`);
  return name;
}

/** One execution per peer per round; the name makes StartExecution idempotent on retries. */
export function executionName(runId: string, peer: number, round: number): string {
  return `${runId}-p${peer}-r${round}`;
}
