import { copyFileSync, mkdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { staleEntries } from '../../../../lib/util/stale-entries';

// Built deterministic zips, kept by the digest of their entries (zip.ts) under the system's temp
// folder: a hit is a file copy instead of deflating megabytes again. Only the most recently used
// few are kept (a hit marks its file used), so the folder stays at a handful of layer zips.

export const ZIP_CACHE_DIR = path.join(os.tmpdir(), 'mltrain-zips');
const KEEP = 8;

/** Copies the cached zip for `key` to `outFile` and returns its size, or undefined when not cached. */
export function cachedZip(key: string, outFile: string, cacheDir = ZIP_CACHE_DIR): number | undefined {
  const file = path.join(cacheDir, `${key}.zip`);
  try {
    copyFileSync(file, outFile);
    const now = new Date();
    utimesSync(file, now, now);
    return statSync(outFile).size;
  } catch {
    return undefined; // not cached, or pruned meanwhile: build it
  }
}

/** Keeps `bytes` as the zip for `key` (written whole, then renamed), and drops the least recently used beyond a few. */
export function keepZip(key: string, bytes: Buffer, cacheDir = ZIP_CACHE_DIR): void {
  try {
    mkdirSync(cacheDir, { recursive: true });
    const partial = path.join(cacheDir, `${key}.${process.pid}.partial`);
    writeFileSync(partial, bytes);
    renameSync(partial, path.join(cacheDir, `${key}.zip`));
    for (const stale of staleEntries(cacheDir, /\.zip$/, { keepNewest: KEEP, maxAgeMs: 0 })) rmSync(stale, { force: true });
  } catch {
    // a cache that cannot be written costs time, never the packaging
  }
}
