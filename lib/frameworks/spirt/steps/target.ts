import { loadJson, saveJson } from '../../../stores/json';
import { waitFor } from '../../../util/wait';
import { runKeys } from '../../run/run-keys';
import { throwIfRunFailed } from '../../run/run-status';
import type { SpirtDeps } from '../deps';
import type { RoundEvent, SpirtConfig } from '../events';
import { inactivePeers, trustedPeers, type PeerSelf } from '../peer';

// The user's stopping target (--target-loss / --target-accuracy with --patience). Every peer must
// stop at the same round, or the others would wait for its gradients: each peer publishes its
// validation figures for the round, waits for every active peer's, and decides on their mean,
// which is the same for all of them.

export type TargetStopReason = 'target-loss' | 'target-accuracy';

export interface TargetCheck {
  stop: boolean;
  reason?: TargetStopReason;
  /** Rounds in a row whose mean validation figures met the target. */
  streak: number;
  meanValLoss: number;
  meanValAccuracy: number;
}

interface ValidationFigures { loss: number; accuracy: number }

export function hasTarget(config: SpirtConfig): boolean {
  return config.targetLoss > 0 || config.targetAccuracy > 0;
}

const figuresKey = (runId: string, round: number, peer: number) => `${runKeys(runId).root}spirt/validation/r${round}/peer-${peer}.json`;

export async function checkTarget(self: PeerSelf, deps: SpirtDeps, event: RoundEvent, own: ValidationFigures): Promise<TargetCheck> {
  const { runId, round, config } = event;
  await saveJson(deps.store, figuresKey(runId, round, self.peer), own); // a retry writes the same figures again
  const [trusted, inactive] = await Promise.all([trustedPeers(self), inactivePeers(self)]);
  const peers = [self.peer, ...[...trusted.keys()].filter((p) => !inactive.has(p))].sort((a, b) => a - b);
  const all = await Promise.all(peers.map((p) => waitFor(`peer ${p}'s validation figures for round ${round}`, async () => {
    await throwIfRunFailed(deps.store, runId);
    return loadJson<ValidationFigures>(deps.store, figuresKey(runId, round, p));
  }, { timeoutMs: config.syncTimeoutSeconds * 1000, maxDelayMs: 250 })));
  const meanValLoss = all.reduce((s, f) => s + f.loss, 0) / all.length;
  const meanValAccuracy = all.reduce((s, f) => s + f.accuracy, 0) / all.length;
  const reason: TargetStopReason | undefined =
    config.targetLoss > 0 && meanValLoss <= config.targetLoss ? 'target-loss'
      : config.targetAccuracy > 0 && meanValAccuracy >= config.targetAccuracy ? 'target-accuracy' : undefined;
  const streak = await countStreak(self, round, reason !== undefined);
  const stop = streak >= config.patience;
  return { stop, ...(stop ? { reason } : {}), streak, meanValLoss, meanValAccuracy };
}

/** Counts each round once: a retried check-convergence of the same round reads the stored count. */
async function countStreak(self: PeerSelf, round: number, met: boolean): Promise<number> {
  const raw = await self.db.redis.get(self.keys.targetStreak);
  const last = raw ? JSON.parse(raw) as { round: number; streak: number } : { round: 0, streak: 0 };
  if (last.round === round) return last.streak;
  const streak = met ? last.streak + 1 : 0;
  await self.db.redis.set(self.keys.targetStreak, JSON.stringify({ round, streak }));
  return streak;
}
