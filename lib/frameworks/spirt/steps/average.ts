import type { DuplicateInProgress } from '../../../functions/idempotency';
import { peerStepOnce } from '../step-once';
import { z } from 'zod';
import { meanOf } from '../../../ml/tensor';
import { sleep } from '../../../util/wait';
import { isAttacker, poisonGradient } from '../attacks';
import type { SpirtDeps } from '../deps';
import type { RoundEvent } from '../events';
import { inactivePeers, openSelf, recordUsage, trustedPeers, type PeerSelf } from '../peer';
import { onPeer } from '../peer-db';
import { roundPositionOf } from '../schedule';

const finishedMessageSchema = z.object({ type: z.literal('finished'), runId: z.string(), round: z.number().int().min(1), peer: z.number().int().min(0) }).strict();

export interface AverageResult {
  averageMs: number;
  waitedMs: number;
  /** Active peers that did not say they finished before the barrier's deadline. */
  missing: number[];
}

/**
 * Trigger_Average_Gradient_sync: averages the round's batch gradients inside the database (one
 * module command), applies the experiment's attack if this peer is an attacker, then tells every
 * peer it finished the round and waits, bounded, until every active trusted peer has too.
 */
export async function averageAndSync(event: RoundEvent, deps: SpirtDeps): Promise<AverageResult | DuplicateInProgress> {
  const { runId, peer, round, config } = event;
  const self = await openSelf(deps, runId, peer);
  return peerStepOnce(self, deps, runId, { step: 'average', round }, async () => {
    const sources = Array.from({ length: config.batches }, (_, b) => self.keys.batchGradient(round, b));
    const t0 = performance.now();
    if (config.inDb) {
      await onPeer(peer, () => self.db.tensors.reduce(self.keys.averaged(round), 'mean', sources));
    } else {
      const grads = await Promise.all(sources.map(async (key) => {
        const g = await self.db.tensors.get(key);
        if (!g) throw new Error(`peer ${peer} is missing the gradient ${key}`);
        return g;
      }));
      await self.db.tensors.set(self.keys.averaged(round), meanOf(grads));
    }
    const averageMs = performance.now() - t0;
    if (isAttacker(peer, config) && (config.attack === 'sign-flip' || config.attack === 'gaussian')) {
      const honest = (await self.db.tensors.get(self.keys.averaged(round)))!;
      await self.db.tensors.set(self.keys.averaged(round), poisonGradient(honest, config.attack, config.seed * 100_003 + round * 31 + peer));
    }
    await self.db.redis.hset(self.keys.roundTimings(round), 'averageMs', averageMs.toFixed(3));

    const t1 = performance.now();
    const missing = await barrier(self, deps, event);
    const waitedMs = performance.now() - t1;
    const pos = await roundPositionOf(deps.store, event);
    await self.db.redis.hincrbyfloat(self.keys.epochStats(pos.epoch), 'syncSeconds', waitedMs / 1000);
    await recordUsage(self, deps.traffic.snapshot());
    if (missing.length) deps.log.warn('barrier deadline passed without every peer', { runId, peer, round, missing });
    return { averageMs, waitedMs, missing };
  });
}

/** The SQS barrier: one message per peer per round, each recorded in the receiver's database. */
async function barrier(self: PeerSelf, deps: SpirtDeps, event: RoundEvent): Promise<number[]> {
  const { runId, peer, round, config } = event;
  const queues = deps.queues(runId);
  const [trusted, inactive] = await Promise.all([trustedPeers(self), inactivePeers(self)]);
  const active = [...trusted.keys()].filter((p) => !inactive.has(p));
  await Promise.all(active.map((p) => queues.send(p, 'sync', { type: 'finished', runId, round, peer })));
  const deadline = Date.now() + config.syncTimeoutSeconds * 1000;
  for (;;) {
    const done = new Set((await self.db.redis.smembers(self.keys.finished(round))).map(Number));
    const missing = active.filter((p) => !done.has(p));
    if (missing.length === 0 || Date.now() >= deadline) return missing;
    const messages = await queues.receive(peer, 'sync', Math.min(1, (deadline - Date.now()) / 1000));
    for (const m of messages) {
      const parsed = finishedMessageSchema.safeParse(safeJson(m.body));
      if (!parsed.success || parsed.data.runId !== runId) {
        deps.log.warn('sync message rejected', { runId, peer, body: m.body.slice(0, 200) });
        continue;
      }
      // Messages for later rounds (a faster peer) are kept for when this peer gets there.
      await self.db.redis.sadd(self.keys.finished(parsed.data.round), String(parsed.data.peer));
    }
    await queues.delete(peer, 'sync', messages);
    if (messages.length === 0) await sleep(20);
  }
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
