import type { DuplicateInProgress } from '../../../functions/idempotency';
import { peerStepOnce } from '../step-once';
import type { SpirtDeps } from '../deps';
import type { RoundEvent } from '../events';
import { openSelf, recordUsage } from '../peer';

/**
 * Update_Trigger_Next_epoch: drops what this peer no longer needs and starts its next round. The
 * averaged gradient of the round just finished stays until the next one ends, because a slower
 * peer may still be reading it for its aggregation.
 */
export async function startNextRound(event: RoundEvent, deps: SpirtDeps): Promise<{ nextRound: number } | DuplicateInProgress> {
  const { runId, peer, round, config, manifestKey } = event;
  const self = await openSelf(deps, runId, peer);
  return peerStepOnce(self, deps, runId, { step: 'next-round', round }, async () => {
    const k = self.keys;
    const stale = [
      ...Array.from({ length: config.batches }, (_, b) => k.batchGradient(round, b)),
      k.batchLosses(round),
      k.averaged(round - 1), k.aggregated(round - 1), k.roundTimings(round - 1), k.finished(round - 1),
      ...Array.from({ length: config.workers }, (_, p) => k.peerAverage(round - 1, p)),
    ];
    await self.db.redis.del(...stale);
    await deps.rounds.start({ runId, peer, round: round + 1, config, manifestKey });
    await recordUsage(self, deps.traffic.snapshot());
    return { nextRound: round + 1 };
  });
}
