import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const RECORD_BYTES = 3073;
export const FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];

/** Label of record r of file f: a fixed pattern the tests can check. */
export const labelOf = (file: number, record: number): number => (file * 7 + record * 3) % 10;

/**
 * A folder in the official CIFAR-10 binary format (10,000 records of 3,073 bytes per file). Each
 * record's red, green and blue planes are filled with values that depend on its label, and its
 * first pixel is marked per channel, so a test can see the label, the plane order and learn.
 */
export function writeCifarFolder(dir: string): void {
  mkdirSync(dir, { recursive: true });
  FILES.forEach((name, f) => {
    const out = Buffer.alloc(10_000 * RECORD_BYTES);
    for (let r = 0; r < 10_000; r++) {
      const label = labelOf(f, r);
      const base = r * RECORD_BYTES;
      out[base] = label;
      for (let c = 0; c < 3; c++) {
        const plane = base + 1 + c * 1024;
        out.fill((label * 20 + c * 40 + (r % 13)) & 255, plane, plane + 1024);
        out[plane] = 250 - c; // pixel (0, 0): 250 red, 249 green, 248 blue
      }
    }
    writeFileSync(path.join(dir, name), out);
  });
}
