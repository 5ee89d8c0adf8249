import { once, type DuplicateInProgress, type StepClaim } from '../../functions/idempotency';
import { RedisClaimLedger } from '../../stores/redis-claims';
import type { SpirtDeps } from './deps';
import type { PeerSelf } from './peer';

// Each SPIRT step that changes a peer's state runs once per (run, peer, round, batch): its claim
// and result live in the peer's own database, beside what the step writes, so a duplicate delivery
// (Lambda, Step Functions, the round machine's retries) returns the first result and changes nothing.

export interface StepIdentity {
  step: string;
  round?: number;
  batch?: number;
}

export function stepKey(self: PeerSelf, id: StepIdentity): string {
  return `${self.keys.root}step:${id.step}${id.round !== undefined ? `:r${id.round}` : ''}${id.batch !== undefined ? `:b${id.batch}` : ''}`;
}

export function peerStepOnce<R>(
  self: PeerSelf, deps: SpirtDeps, runId: string, id: StepIdentity, act: (claim: StepClaim) => Promise<R>,
): Promise<R | DuplicateInProgress> {
  const what = `${id.step} peer ${self.peer}${id.round !== undefined ? ` round ${id.round}` : ''}${id.batch !== undefined ? ` batch ${id.batch}` : ''}`;
  const log = deps.log.child({ runId, peer: self.peer, ...(id.round !== undefined ? { round: id.round } : {}) });
  return once(new RedisClaimLedger(self.db.redis), stepKey(self, id), { log, what }, act);
}
