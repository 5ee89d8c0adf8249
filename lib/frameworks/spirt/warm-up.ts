import type { SpirtDeps } from './deps';
import type { PeerEvent, WarmUpEvent } from './events';
import { openSelf } from './peer';
import { onPeer } from './peer-db';
import { SPIRT_STEP_FUNCTIONS, taskFunctions, type SpirtFunctionKey } from './state-machine';

// Before round 1, each peer warms the round's functions (lib/functions/warm-up.ts): one sandbox
// of each state's function, `batches` of compute_gradients, all at once. Otherwise the first
// round pays eight cold starts one after the other, and 4 × batches gradient sandboxes each
// download their shard on the round's path. Warming is best effort: a failure is logged and the
// round then starts those sandboxes itself, as it would have. (No ML imports here: every SPIRT
// handler loads this file; the computing steps bring their own preload, see spirtHandler.)

/**
 * How long init_peers (60 s timeout) waits for its warm-ups before starting init_model anyway, at
 * most: also at most half the run's --sync-timeout, because peers whose warm-ups end that far apart
 * start round 1 that far apart, and auth and the round barrier wait only a --sync-timeout.
 */
export const WARM_UP_WAIT_MS = 40_000;

export function warmUpWaitMs(syncTimeoutSeconds: number): number {
  return Math.min(WARM_UP_WAIT_MS, (syncTimeoutSeconds * 1000) / 2);
}

export interface WarmUpSummary {
  invocations: number;
  failed: string[];
  seconds: number;
}

/** The round's functions, one invocation per Task state (Batch1..BatchN included), for this peer. */
export async function warmRoundFunctions(deps: SpirtDeps, event: PeerEvent, waitMs = warmUpWaitMs(event.config.syncTimeoutSeconds)): Promise<WarmUpSummary> {
  const t0 = Date.now();
  const warmUp: WarmUpEvent = { runId: event.runId, peer: event.peer, config: event.config, manifestKey: event.manifestKey, warmUp: true };
  const states = taskFunctions(event.config.batches);
  const failures: string[] = [];
  const unanswered = new Set(Object.keys(states));
  const calls = Object.entries(states).map(([state, fn]) => deps.invoker.invoke(deps.functionName(fn), warmUp).then(
    () => { unanswered.delete(state); },
    (err: unknown) => {
      unanswered.delete(state);
      failures.push(`${state} (${fn}): ${(err as Error).message ?? String(err)}`);
    },
  ));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => { timer = setTimeout(resolve, waitMs); });
  await Promise.race([Promise.all(calls), timedOut]);
  clearTimeout(timer);
  // Read once, here: a warm-up ending after the wait no longer belongs to this summary.
  const failed = [...failures, ...[...unanswered].map((state) => `${state} (${states[state]}): no answer within ${waitMs / 1000} s`)];
  const summary = { invocations: calls.length, failed, seconds: (Date.now() - t0) / 1000 };
  if (failed.length) deps.log.warn('warm-up incomplete; the round starts the remaining sandboxes itself', { runId: event.runId, peer: event.peer, ...summary });
  else deps.log.info('round functions warmed', { runId: event.runId, peer: event.peer, ...summary });
  return summary;
}

/** What every round function's first invocation opens: the connection to its peer's database. */
export async function warmPeerConnection(event: WarmUpEvent, deps: SpirtDeps): Promise<void> {
  const self = await openSelf(deps, event.runId, event.peer);
  await onPeer(event.peer, () => self.db.redis.ping());
}

export function isRoundFunction(functionKey: string): functionKey is SpirtFunctionKey {
  return (Object.values(SPIRT_STEP_FUNCTIONS) as string[]).includes(functionKey);
}
