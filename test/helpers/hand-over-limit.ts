import type { RunResults } from '../../lib/metrics/results';

/**
 * A Lambda time limit that forces every invocation of `fn` to hand over at least once: about a
 * third of what one of its invocations took after its init in the same run without a limit (the
 * limit, as on Lambda, starts once the handler has loaded, so a cold start slowed by load must not
 * lengthen it). Scaling it with that time, rather than fixing it, keeps it both short enough on an
 * idle machine and long enough for loading the shard on a loaded one. A third, not a half: the
 * limited run then hands over unless it runs about three times faster than the unlimited one (the
 * load of a shared machine can fall that much between them). Never under 3 s, which a fresh
 * invocation needs to load its checkpoint and shard on a loaded machine: an unlimited invocation
 * that fits in the limit could not be forced to hand over, and is refused as a test set-up error.
 */
const SHORTEST_LIMIT_SECONDS = 3;

export function handOverLimitSeconds(unlimited: RunResults, fn: string): number {
  const { seconds, initSeconds, count } = unlimited.invocations.byFunction[fn];
  const perInvocation = (seconds - initSeconds) / count;
  const limit = Math.max(SHORTEST_LIMIT_SECONDS, Math.ceil(0.35 * perInvocation));
  if (perInvocation <= limit) {
    throw new Error(`${fn}'s unlimited invocations took ${perInvocation.toFixed(1)} s after their init, within the ${limit} s limit: lengthen the run to force a hand-over`);
  }
  return limit;
}
