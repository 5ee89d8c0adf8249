import { readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { staleEntries } from '../../util/stale-entries';

// The bundle cache (.esbuild/local) gains a folder per changed handler build and never shrinks on
// its own: a day of edits leaves hundreds of megabytes. A folder's mtime says when it was last
// used (markBundleUsed on every cache hit); folders both older than a day and outside the newest
// ones go, with the manifests that point into them. A run still using an old bundle has it loaded
// already, and a later lookup whose folder is gone simply builds it again. V8's code cache
// (compile-cache.ts, a file per compiled file's content) is pruned the same way by when each file
// was written: one removed while still wanted is written again by the next sandbox that misses it.

export interface BundlePruneOptions {
  /** Always kept, whatever their age: the most recently used folders (default 64, a few per handler). */
  keepNewest?: number;
  /** Code cache files always kept, the most recently written (default 1,024). */
  keepNewestCodeCache?: number;
  /** Folders used within this long are kept (default one day). */
  maxAgeMs?: number;
  now?: number;
}

const DEFAULT_KEEP_NEWEST = 64;
/** Code cache files always kept: a few builds' worth of every handler's files (about 300 each). */
const CODE_CACHE_KEEP_NEWEST = 1024;
const DAY_MS = 24 * 60 * 60 * 1000;
/** The folder of V8's code cache inside the bundle cache (see bundles.ts). */
export const CODE_CACHE_FOLDER = 'v8-code-cache';

/** Records that the bundle folder holding `bundle` was just used, so pruning keeps it. */
export function markBundleUsed(bundle: string): void {
  const now = new Date();
  try {
    utimesSync(path.dirname(bundle), now, now);
  } catch {
    // pruned meanwhile: the next lookup rebuilds it
  }
}

/** Removes stale bundle folders, the manifests pointing into them and stale code cache files; returns what it removed. */
export function pruneBundleCache(cacheDir: string, opts: BundlePruneOptions = {}): string[] {
  // Built folders are named by a 24-hex digest; 'manifests' and in-progress 'tmp-*' builds are not.
  const stale = staleEntries(cacheDir, /^[0-9a-f]{24}$/, { keepNewest: opts.keepNewest ?? DEFAULT_KEEP_NEWEST, maxAgeMs: opts.maxAgeMs ?? DAY_MS, now: opts.now });
  for (const dir of stale) rmSync(dir, { recursive: true, force: true });
  if (stale.length) removeManifestsInto(cacheDir, new Set(stale));
  const staleCode = staleEntries(path.join(cacheDir, CODE_CACHE_FOLDER), /^[0-9a-f]{64}\.v8$/, {
    keepNewest: opts.keepNewestCodeCache ?? CODE_CACHE_KEEP_NEWEST, maxAgeMs: opts.maxAgeMs ?? DAY_MS, now: opts.now,
  });
  for (const file of staleCode) rmSync(file, { force: true });
  return [...stale, ...staleCode];
}

function removeManifestsInto(cacheDir: string, removed: Set<string>): void {
  const manifests = path.join(cacheDir, 'manifests');
  let names: string[] = [];
  try {
    names = readdirSync(manifests);
  } catch {
    return;
  }
  for (const name of names) {
    const file = path.join(manifests, name);
    try {
      const { bundle } = JSON.parse(readFileSync(file, 'utf8')) as { bundle?: string };
      if (typeof bundle === 'string' && removed.has(path.dirname(bundle))) rmSync(file, { force: true });
    } catch {
      // half-written by another process, or not a manifest: leave it
    }
  }
}
