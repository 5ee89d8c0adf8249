import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { RunResults } from '../../lib/metrics/results';

// The papers' MobileNet (CIFAR form, 3,217,226 parameters) trained by each of the six frameworks
// on CIFAR-shaped synthetic images, through the real command line and the whole local stack, to
// at least twice chance (20% on 10 classes) in a bounded run. Each row trains for minutes, so
// they run only under `npm run test:paper` (MLTRAIN_PAPER=all); settings and measured figures are
// in docs/benchmarks/paper-models.md.

const ROOT = path.join(__dirname, '..', '..');
const EVERY_ROW = process.env.MLTRAIN_PAPER === 'all';
const MOBILENET_PARAMS = 3_217_226;
const TWICE_CHANCE = 0.2;

/**
 * The smallest bounded run that reached the bar here: 256 images, 100 test images. A worker waits
 * up to 15 minutes for the others: on a loaded 2-core machine a MobileNet step can take minutes.
 */
const DATA = ['--model', 'mobilenet', '--dataset', 'synthetic-images', '--train-samples', '256', '--test-samples', '100', '--seed', '42', '--sync-timeout', '900'];

interface Row {
  framework: string;
  args: string[];
  /** Asserted on results.config beside the model and the data. */
  config: Record<string, unknown>;
  minutes: number;
}

const rows: Row[] = [
  { framework: 'allreduce', args: ['--workers', '2', '--batch-size', '16', '--epochs', '2'], config: { workers: 2, epochs: 2, channel: 's3' }, minutes: 20 },
  { framework: 'scatter-reduce', args: ['--workers', '2', '--batch-size', '16', '--epochs', '2'], config: { workers: 2, epochs: 2, channel: 's3' }, minutes: 20 },
  { framework: 'ps', args: ['--workers', '2', '--batch-size', '16', '--epochs', '2'], config: { workers: 2, epochs: 2 }, minutes: 20 },
  { framework: 'gpu', args: ['--workers', '2', '--batch-size', '16', '--epochs', '2'], config: { workers: 2, epochs: 2 }, minutes: 15 },
  // MLLESS sends only significant updates, so it learns slower per step: after 2 epochs it stood at
  // 18% with OpenBLAS's AVX-512 kernels and 23% with its Haswell ones (2026-12-04); 4 epochs reach
  // 44% and 40%.
  { framework: 'mlless', args: ['--workers', '2', '--batch-size', '16', '--epochs', '4'], config: { workers: 2, epochs: 4, variant: 'significant' }, minutes: 20 },
  // SPIRT takes one plain-SGD step (no momentum) per round of 2 peers × 1 batch: 16 in the run. Its
  // default lr 0.5 diverged here with 2 batches (test loss 13.5 after epoch 1), and 0.1 with 8 steps
  // stayed at 13%.
  { framework: 'spirt', args: ['--workers', '2', '--batches', '1', '--batch-size', '16', '--epochs', '2', '--lr', '0.2'], config: { workers: 2, batches: 1, epochs: 2, lr: 0.2 }, minutes: 40 },
];

const skipReason = 'skipped: minutes per framework, run with npm run test:paper (MLTRAIN_PAPER=all)';

for (const row of rows) {
  const run = EVERY_ROW ? test : test.skip;
  const name = `mltrain run ${row.framework} trains mobilenet on synthetic-images to at least ${TWICE_CHANCE * 100}%`;
  run(EVERY_ROW ? name : `${name} (${skipReason})`, async () => {
    const runsDir = mkdtempSync(path.join(os.tmpdir(), `paper-${row.framework}-`));
    try {
      const out = path.join(runsDir, 'results.json');
      const { stdout } = await promisify(execFile)(path.join(ROOT, 'bin', 'mltrain'),
        ['run', row.framework, ...DATA, ...row.args, '--runs-dir', runsDir, '--out', out], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
      expect(stdout).toContain('final test accuracy');
      const results = JSON.parse(readFileSync(out, 'utf8')) as RunResults;
      expect(results.framework).toBe(row.framework);
      expect(results.config).toMatchObject({ model: 'mobilenet', dataset: 'synthetic-images', trainSamples: 256, testSamples: 100, ...row.config });
      expect(results.final.numParams).toBe(MOBILENET_PARAMS);
      expect(results.final.testAccuracy).toBeGreaterThanOrEqual(TWICE_CHANCE);
      // The figures docs/benchmarks/paper-models.md records, on the test's output.
      process.stdout.write(`paper row ${row.framework}: accuracy ${results.final.testAccuracy}, wall ${results.wallSeconds.toFixed(1)} s, backend ${results.backend}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
    } finally {
      rmSync(runsDir, { recursive: true, force: true });
    }
  }, row.minutes * 60_000);
}
