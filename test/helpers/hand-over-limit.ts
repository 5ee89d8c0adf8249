import type { RunResults } from '../../lib/metrics/results';

/**
 * A Lambda time limit that forces every invocation of `fn` to hand over at least once: under half
 * of what one of its invocations took in the same run without a limit. Scaling it with that time,
 * rather than fixing it, keeps it both short enough on an idle machine and long enough for a
 * function's start (loading tfjs and its shard) on a loaded one.
 */
export function handOverLimitSeconds(unlimited: RunResults, fn: string): number {
  const { seconds, count } = unlimited.invocations.byFunction[fn];
  return Math.max(3, Math.ceil(0.45 * seconds / count));
}
