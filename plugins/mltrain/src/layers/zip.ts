import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import AdmZip from 'adm-zip';
import { cachedZip, keepZip } from './zip-cache';

// Deterministic zips (sorted entries, a fixed timestamp, 0644): packaging the same files twice
// gives the same bytes, so osls's change detection skips a deploy when nothing changed. That also
// makes them safe to reuse: a zip is cached by the digest of its entries' names and bytes, since
// deflating a layer's megabytes is most of what packaging it costs (every service ships the same one).

export interface ZipInput {
  /** Path inside the zip, forward slashes. */
  name: string;
  /** File to read, or the bytes themselves. */
  source: string | Buffer;
}

export interface ZipSizes {
  zippedBytes: number;
  unzippedBytes: number;
}

const FIXED_TIME = new Date(1980, 0, 1, 0, 0, 0);

export function writeDeterministicZip(outFile: string, inputs: readonly ZipInput[], cacheDir?: string): ZipSizes {
  const entries = [...inputs].sort((a, b) => a.name.localeCompare(b.name))
    .map((input) => ({ name: input.name, data: typeof input.source === 'string' ? readFileSync(input.source) : input.source }));
  const unzippedBytes = entries.reduce((sum, e) => sum + e.data.length, 0);
  const digest = createHash('sha256');
  for (const e of entries) digest.update(`${e.name}\0${e.data.length}\0`).update(e.data);
  const key = digest.digest('hex');
  const cached = cachedZip(key, outFile, cacheDir);
  if (cached !== undefined) return { zippedBytes: cached, unzippedBytes };

  const zip = new AdmZip();
  for (const e of entries) zip.addFile(e.name, e.data, '', 0o644).header.time = FIXED_TIME;
  const bytes = zip.toBuffer();
  writeFileSync(outFile, bytes);
  keepZip(key, bytes, cacheDir);
  return { zippedBytes: bytes.length, unzippedBytes };
}

/** Uncompressed size of every entry of a zip, by entry name. */
export function zipEntrySizes(file: string): Map<string, number> {
  return new Map(new AdmZip(file).getEntries().filter((e) => !e.isDirectory).map((e) => [e.entryName, e.header.size]));
}

/** One entry's text, or undefined when the zip has no such entry. */
export function readZipEntry(file: string, name: string): string | undefined {
  return new AdmZip(file).getEntry(name)?.getData().toString('utf8');
}
