import { mkdtempSync, rmSync, truncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../lib/cli/main';
import { resolveTrainingConfig } from '../../lib/frameworks/run/training-config';
import { trainLocally } from '../../lib/local/train-locally';
import { writeCifarFolder } from '../helpers/cifar-folder';

// A folder in the official CIFAR-10 binary format trains end to end through AllReduce (real
// s3rver, Lambda emulator and worker processes); a truncated one is refused naming the file.

jest.setTimeout(400_000);

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'cifar-run-'));
  writeCifarFolder(path.join(root, 'cifar'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

test('allreduce trains the cnn on a CIFAR-10 folder, bounded by --train-samples/--test-samples', async () => {
  const config = resolveTrainingConfig({
    dataset: 'cifar10', dataDir: path.join(root, 'cifar'), trainSamples: 256, testSamples: 128,
    model: 'cnn', workers: 2, epochs: 2, batchSize: 32, seed: 3, syncTimeoutSeconds: 60,
  }, { framework: 'allreduce' });
  const results = await trainLocally({ framework: 'allreduce', runsDir: path.join(root, 'runs'), config });
  expect(results.epochs).toHaveLength(2);
  expect(results.final.numParams).toBe(8 * 3 * 9 + 8 + 16 * 8 * 9 + 16 + 6 * 6 * 16 * 10 + 10); // cnn on 32×32×3
  // the generated images' planes encode the label, so even this tiny run learns them
  expect(results.final.testAccuracy).toBeGreaterThan(0.3);
});

test('mltrain run refuses a folder with a truncated file, naming it', async () => {
  const broken = path.join(root, 'broken');
  writeCifarFolder(broken);
  truncateSync(path.join(broken, 'data_batch_4.bin'), 12_345);
  let err = '';
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err += String(chunk); return true; });
  let code: number;
  try {
    code = await main(['node', 'mltrain', 'run', 'allreduce', '--dataset', 'cifar10', '--data-dir', broken, '--model', 'cnn', '--workers', '1', '--epochs', '1',
      '--runs-dir', path.join(root, 'runs')]);
  } finally {
    spy.mockRestore();
  }
  expect(code).not.toBe(0);
  expect(err).toContain(`CIFAR-10 file ${path.join(broken, 'data_batch_4.bin')} has 12345 bytes, expected 10,000 × 3,073 = 30730000`);
});
