import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { markBundleUsed, pruneBundleCache } from '../../lib/local/lambda/bundle-cache-prune';
import { bundleEntry } from '../../lib/local/lambda/bundles';

// The local bundle cache keeps the most recently used folders and everything used within a day;
// older folders beyond those go, with the manifests that point into them.

const DAY = 24 * 60 * 60 * 1000;
let cacheDir: string;
beforeEach(() => { cacheDir = mkdtempSync(path.join(os.tmpdir(), 'bundle-prune-')); });
afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));

/** A built folder last used `ageMs` ago, with its manifest; returns the folder. */
function builtFolder(index: number, ageMs: number, now: number): string {
  const dir = path.join(cacheDir, index.toString(16).padStart(24, '0'));
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'handler.js'), 'module.exports = {};\n');
  mkdirSync(path.join(cacheDir, 'manifests'), { recursive: true });
  writeFileSync(path.join(cacheDir, 'manifests', `${index}.json`), JSON.stringify({ inputs: {}, bundle: path.join(dir, 'handler.js') }));
  const at = new Date(now - ageMs);
  utimesSync(dir, at, at);
  return dir;
}

test('keeps the newest N and those used within a day; removes the rest and their manifests', () => {
  const now = Date.now();
  const ages = [1, 2, 3, 4].map((d) => d * DAY + 1000).concat([60_000, 3 * 60 * 60 * 1000]); // 4 old, 2 recent
  const dirs = ages.map((age, i) => builtFolder(i, age, now));
  mkdirSync(path.join(cacheDir, 'tmp-abc')); // a build in progress is never touched
  const removed = pruneBundleCache(cacheDir, { keepNewest: 3, now });
  // Newest 3: the two recent ones and the 1-day-old one; the 2, 3 and 4-day-old ones go.
  expect(removed.sort()).toEqual([dirs[1], dirs[2], dirs[3]].sort());
  for (const [i, dir] of dirs.entries()) {
    expect(existsSync(dir)).toBe(![1, 2, 3].includes(i));
    expect(existsSync(path.join(cacheDir, 'manifests', `${i}.json`))).toBe(![1, 2, 3].includes(i));
  }
  expect(existsSync(path.join(cacheDir, 'tmp-abc'))).toBe(true);
  expect(pruneBundleCache(cacheDir, { keepNewest: 3, now })).toEqual([]);
});

test('nothing younger than a day goes, however many there are', () => {
  const now = Date.now();
  for (let i = 0; i < 10; i++) builtFolder(i, i * 60_000, now);
  expect(pruneBundleCache(cacheDir, { keepNewest: 2, now })).toEqual([]);
});

test('a cache hit marks its folder used, so an old but used bundle survives', async () => {
  const src = mkdtempSync(path.join(os.tmpdir(), 'bundle-prune-src-'));
  try {
    const entry = path.join(src, 'handler.ts');
    writeFileSync(entry, 'export const handler = async () => 1;\n');
    const bundle = await bundleEntry(entry, cacheDir);
    const old = new Date(Date.now() - 3 * DAY);
    utimesSync(path.dirname(bundle), old, old);
    expect(await bundleEntry(entry, cacheDir)).toBe(bundle); // a hit
    expect(Date.now() - statSync(path.dirname(bundle)).mtimeMs).toBeLessThan(DAY);
    expect(pruneBundleCache(cacheDir, { keepNewest: 0 })).toEqual([]);
    utimesSync(path.dirname(bundle), old, old);
    expect(pruneBundleCache(cacheDir, { keepNewest: 0 })).toEqual([path.dirname(bundle)]);
    // The manifest went with it: the next lookup builds again instead of pointing at nothing.
    const rebuilt = await bundleEntry(entry, cacheDir);
    expect(existsSync(rebuilt)).toBe(true);
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
});

test('marking a folder that is gone is harmless', () => {
  expect(() => markBundleUsed(path.join(cacheDir, 'gone', 'handler.js'))).not.toThrow();
  expect(pruneBundleCache(path.join(cacheDir, 'no-such-cache'))).toEqual([]);
});

test("V8's code cache keeps its newest files and those written within a day", () => {
  const now = Date.now();
  const codeDir = path.join(cacheDir, 'v8-code-cache');
  mkdirSync(codeDir);
  const files = [3 * DAY, 2 * DAY, 60_000].map((age, i) => {
    const file = path.join(codeDir, `${i.toString(16).padStart(64, '0')}.v8`);
    writeFileSync(file, 'cached');
    utimesSync(file, new Date(now - age), new Date(now - age));
    return file;
  });
  const partial = path.join(codeDir, `${'f'.repeat(64)}.v8.1a2b3c4d`); // another sandbox's write in progress
  writeFileSync(partial, 'half');
  utimesSync(partial, new Date(now - 5 * DAY), new Date(now - 5 * DAY));
  expect(pruneBundleCache(cacheDir, { keepNewestCodeCache: 1, now })).toEqual([files[1], files[0]]);
  expect(files.map((f) => existsSync(f))).toEqual([false, false, true]);
  expect(existsSync(partial)).toBe(true);
});
