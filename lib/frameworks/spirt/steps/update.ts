import { assertFinite, encodeTensor } from '../../../ml/tensor';
import { KEEP_RESULTS_SECONDS, resultRecord, type DuplicateInProgress, type StepClaim } from '../../../functions/idempotency';
import type { SpirtDeps } from '../deps';
import type { RoundEvent } from '../events';
import { openSelf, recordUsage, type PeerSelf } from '../peer';
import { onPeer } from '../peer-db';
import { peerStepOnce } from '../step-once';

/**
 * Trigger_update_model: params ← params − lr · aggregated, inside the database (AI.MODELUPDATE).
 * Once per peer and round: the new parameters and the step's record are written in one MULTI, so
 * a second delivery (or a retry after a lost reply) never applies the gradient twice.
 */
export async function updateModel(event: RoundEvent, deps: SpirtDeps): Promise<{ updateMs: number } | DuplicateInProgress> {
  const { runId, peer, round } = event;
  const self = await openSelf(deps, runId, peer);
  return peerStepOnce(self, deps, runId, { step: 'update', round }, (claim) => applyUpdate(self, deps, event, claim));
}

async function applyUpdate(self: PeerSelf, deps: SpirtDeps, event: RoundEvent, claim: StepClaim): Promise<{ updateMs: number }> {
  const { peer, round, config } = event;
  const t0 = performance.now();
  const tx = self.db.redis.multi();
  if (config.inDb) {
    tx.call('AI.MODELUPDATE', self.keys.params, String(config.lr), self.keys.aggregated(round));
  } else {
    const [params, grad] = await Promise.all([self.db.tensors.get(self.keys.params), self.db.tensors.get(self.keys.aggregated(round))]);
    if (!params || !grad) throw new Error(`peer ${peer} is missing its parameters or its aggregated gradient for round ${round}`);
    if (params.length !== grad.length) throw new Error(`peer ${peer}: aggregated gradient has ${grad.length} values, the model ${params.length}`);
    assertFinite(grad, `aggregated gradient of peer ${peer} round ${round}`);
    const lr = Math.fround(config.lr);
    for (let i = 0; i < params.length; i++) params[i] = Math.fround(params[i] - Math.fround(lr * grad[i]));
    const blob = encodeTensor(params);
    tx.call('AI.TENSORSET', self.keys.params, 'FLOAT', String(params.length), 'BLOB', blob);
    deps.traffic.wrote('redis', blob.byteLength);
  }
  tx.set(claim.key, resultRecord({ applied: true }), 'EX', KEEP_RESULTS_SECONDS);
  const replies = await onPeer(peer, () => tx.exec());
  const failed = replies?.find(([err]) => err);
  // MULTI does not roll back: a refused update still ran the SET, which must not stand for it.
  if (failed) await self.db.redis.del(claim.key);
  if (!replies || failed) throw new Error(`peer ${peer}'s update of round ${round} was not applied: ${failed?.[0]?.message ?? 'transaction aborted'}`);
  if (config.inDb) deps.traffic.request('redis');
  const updateMs = performance.now() - t0;
  await self.db.redis.hset(self.keys.roundTimings(round), 'updateMs', updateMs.toFixed(3));
  await recordUsage(self, deps.traffic.snapshot());
  return { updateMs };
}
