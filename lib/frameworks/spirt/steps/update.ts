import { assertFinite } from '../../../ml/tensor';
import type { SpirtDeps } from '../deps';
import type { RoundEvent } from '../events';
import { openSelf, recordUsage } from '../peer';
import { onPeer } from '../peer-db';

/** Trigger_update_model: params ← params − lr · aggregated, inside the database (AI.MODELUPDATE). */
export async function updateModel(event: RoundEvent, deps: SpirtDeps): Promise<{ updateMs: number }> {
  const { runId, peer, round, config } = event;
  const self = await openSelf(deps, runId, peer);
  const t0 = performance.now();
  if (config.inDb) {
    await onPeer(peer, () => self.db.tensors.modelUpdate(self.keys.params, config.lr, self.keys.aggregated(round)));
  } else {
    const [params, grad] = await Promise.all([self.db.tensors.get(self.keys.params), self.db.tensors.get(self.keys.aggregated(round))]);
    if (!params || !grad) throw new Error(`peer ${peer} is missing its parameters or its aggregated gradient for round ${round}`);
    if (params.length !== grad.length) throw new Error(`peer ${peer}: aggregated gradient has ${grad.length} values, the model ${params.length}`);
    assertFinite(grad, `aggregated gradient of peer ${peer} round ${round}`);
    const lr = Math.fround(config.lr);
    for (let i = 0; i < params.length; i++) params[i] = Math.fround(params[i] - Math.fround(lr * grad[i]));
    await self.db.tensors.set(self.keys.params, params);
  }
  const updateMs = performance.now() - t0;
  await self.db.redis.hset(self.keys.roundTimings(round), 'updateMs', updateMs.toFixed(3));
  await recordUsage(self, deps.traffic.snapshot());
  return { updateMs };
}
