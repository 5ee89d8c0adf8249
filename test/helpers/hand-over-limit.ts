import type { RunResults } from '../../lib/metrics/results';

/**
 * A Lambda time limit that forces every invocation of `fn` to hand over at least once: about a
 * third of what one of its invocations took after its init in the same run without a limit (the
 * limit, as on Lambda, starts once the handler has loaded, so a cold start slowed by load must not
 * lengthen it). Scaling it with that time, rather than fixing it, keeps it both short enough on an
 * idle machine and long enough for loading the shard on a loaded one. A third, not a half: the
 * limited run then hands over unless it runs about three times faster than the unlimited one (the
 * load of a shared machine can fall that much between them).
 */
export function handOverLimitSeconds(unlimited: RunResults, fn: string): number {
  const { seconds, initSeconds, count } = unlimited.invocations.byFunction[fn];
  return Math.max(3, Math.ceil(0.35 * (seconds - initSeconds) / count));
}
