import type { DuplicateInProgress } from '../../../functions/idempotency';
import { peerStepOnce } from '../step-once';
import { batchAt } from '../../../ml/data/batches';
import { deriveSeed, shuffledIndices } from '../../../ml/random';
import { assertFinite } from '../../../ml/tensor';
import { isAttacker, flipLabels } from '../attacks';
import type { SpirtDeps } from '../deps';
import type { RoundEvent, WarmUpEvent } from '../events';
import { peerDataOf } from '../data';
import { openSelf, recordUsage } from '../peer';
import { onPeer } from '../peer-db';
import { roundPosition, roundsPerEpoch } from '../rounds';

/** compute_gradients: one minibatch of the round, its gradient stored as a tensor in the peer's database. */
export async function computeGradients(event: RoundEvent, deps: SpirtDeps): Promise<{ batch: number; loss: number } | DuplicateInProgress> {
  const { runId, peer, round, config } = event;
  if (event.batch === undefined) throw new Error('compute_gradients needs the batch number');
  const batchNo = event.batch;
  const t0 = performance.now();
  const self = await openSelf(deps, runId, peer);
  return peerStepOnce(self, deps, runId, { step: 'compute', round, batch: event.batch }, async () => {
    const { train, model } = await peerDataOf(deps.store, event);
    const perEpoch = roundsPerEpoch(train.count, config.batches, config.batchSize);
    const pos = roundPosition(round, perEpoch, config.epochs);
    const order = shuffledIndices(train.count, deriveSeed(config.seed, pos.epoch, peer));
    const batch = batchAt(train, order, pos.step * config.batches + batchNo, config.batchSize);
    if (isAttacker(peer, config) && config.attack === 'label-flip') flipLabels(batch.y, train.numClasses);
    const params = await onPeer(peer, () => self.db.tensors.get(self.keys.params));
    if (!params) throw new Error(`peer ${peer} has no parameters in its database for run ${runId}`);
    model.setParams(params);
    const { loss, grad } = model.gradient(batch);
    assertFinite(grad, `gradient of peer ${peer} round ${round} batch ${batchNo}`);
    await onPeer(peer, () => self.db.tensors.set(self.keys.batchGradient(round, batchNo), grad));
    await self.db.redis.multi()
      .hset(self.keys.batchLosses(round), String(batchNo), String(loss))
      .hincrbyfloat(self.keys.epochStats(pos.epoch), 'computeSeconds', (performance.now() - t0) / 1000)
      .exec();
    await recordUsage(self, deps.traffic.snapshot());
    return { batch: batchNo, loss };
  });
}

/** Its warm-up: the same shard and model, loaded before round 1 (warm-up.ts). */
export async function preloadComputeGradients(event: WarmUpEvent, deps: SpirtDeps): Promise<void> {
  await peerDataOf(deps.store, event);
}
