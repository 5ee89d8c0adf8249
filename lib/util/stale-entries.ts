import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

// Caches on disk mark an entry used by touching it (its mtime is its last use). An entry is stale
// when it is both outside the `keepNewest` most recently used and unused for longer than `maxAgeMs`.

export interface StaleOptions {
  keepNewest: number;
  maxAgeMs: number;
  now?: number;
}

/** Paths of the entries of `dir` whose names match `name` that are stale ([] when `dir` is missing). */
export function staleEntries(dir: string, name: RegExp, opts: StaleOptions): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const cutoff = (opts.now ?? Date.now()) - opts.maxAgeMs;
  return names.filter((n) => name.test(n))
    .flatMap((n) => {
      const stat = statSync(path.join(dir, n), { throwIfNoEntry: false });
      return stat ? [{ entry: path.join(dir, n), usedAt: stat.mtimeMs }] : [];
    })
    .sort((a, b) => b.usedAt - a.usedAt)
    .slice(opts.keepNewest)
    .filter((e) => e.usedAt < cutoff)
    .map((e) => e.entry);
}
