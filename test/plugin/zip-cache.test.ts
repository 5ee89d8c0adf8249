import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { writeDeterministicZip } from '../../plugins/mltrain/src/layers/zip';

// A deterministic zip is kept by the digest of its entries: the same entries are copied from the
// cache instead of deflated again, any changed byte or name builds a new one, and only the most
// recently used few stay.

let dir: string;
let cache: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'zip-cache-'));
  cache = path.join(dir, 'cache');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const inputs = (text: string) => [{ name: 'nodejs/b.txt', source: Buffer.from('bee') }, { name: 'nodejs/a.txt', source: Buffer.from(text) }];

test('the same entries give the same bytes, the second time from the cache', () => {
  const first = writeDeterministicZip(path.join(dir, 'one.zip'), inputs('a'.repeat(10_000)), cache);
  expect(readdirSync(cache).filter((n) => n.endsWith('.zip'))).toHaveLength(1);
  // Mark the cached copy: a hit hands out exactly what the cache holds.
  const cached = path.join(cache, readdirSync(cache)[0]);
  const marked = Buffer.concat([readFileSync(cached), Buffer.from('cached')]);
  writeFileSync(cached, marked);
  const second = writeDeterministicZip(path.join(dir, 'two.zip'), inputs('a'.repeat(10_000)), cache);
  expect(readFileSync(path.join(dir, 'two.zip'))).toEqual(marked);
  expect(second).toEqual({ zippedBytes: first.zippedBytes + 6, unzippedBytes: 10_003 });
  expect(first.zippedBytes).toBeLessThan(10_003); // deflated
});

test('a changed byte builds a new zip holding the new bytes', () => {
  writeDeterministicZip(path.join(dir, 'one.zip'), inputs('first'), cache);
  writeDeterministicZip(path.join(dir, 'two.zip'), inputs('other'), cache);
  expect(readdirSync(cache).filter((n) => n.endsWith('.zip'))).toHaveLength(2);
  const zip = new AdmZip(path.join(dir, 'two.zip'));
  expect(zip.getEntries().map((e) => e.entryName)).toEqual(['nodejs/a.txt', 'nodejs/b.txt']);
  expect(zip.getEntry('nodejs/a.txt')!.getData().toString()).toBe('other');
});

test('only the 8 most recently used zips are kept', () => {
  const zipsInCache = () => readdirSync(cache).filter((n) => n.endsWith('.zip'));
  for (let i = 0; i < 10; i++) {
    // Everything already cached was last used a minute earlier than it says: the first written is the oldest.
    for (const name of existsSync(cache) ? zipsInCache() : []) {
      const at = new Date(statSync(path.join(cache, name)).mtimeMs - 60_000);
      utimesSync(path.join(cache, name), at, at);
    }
    writeDeterministicZip(path.join(dir, `${i}.zip`), inputs(`content ${i}`), cache);
  }
  const kept = zipsInCache().map((n) => readFileSync(path.join(cache, n)));
  expect(kept).toHaveLength(8);
  // The newest 8 (2..9) stay, the oldest two went.
  for (let i = 0; i < 10; i++) expect(kept.some((k) => k.equals(readFileSync(path.join(dir, `${i}.zip`))))).toBe(i >= 2);
  expect(readdirSync(cache).some((n) => n.endsWith('.partial'))).toBe(false);
});
