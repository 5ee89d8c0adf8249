import { readFileSync, writeFileSync } from 'node:fs';
import AdmZip from 'adm-zip';

// Deterministic zips (sorted entries, a fixed timestamp, 0644): packaging the same files twice
// gives the same bytes, so osls's change detection skips a deploy when nothing changed.

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

export function writeDeterministicZip(outFile: string, inputs: readonly ZipInput[]): ZipSizes {
  const zip = new AdmZip();
  let unzippedBytes = 0;
  for (const input of [...inputs].sort((a, b) => a.name.localeCompare(b.name))) {
    const data = typeof input.source === 'string' ? readFileSync(input.source) : input.source;
    const entry = zip.addFile(input.name, data, '', 0o644);
    entry.header.time = FIXED_TIME;
    unzippedBytes += data.length;
  }
  const bytes = zip.toBuffer();
  writeFileSync(outFile, bytes);
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
