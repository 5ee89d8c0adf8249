import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

// The bar, through the real command line: ScatterReduce, MLP on real MNIST, 4 workers,
// 3 epochs, default hyperparameters (S3 channel), reaches at least 95% test accuracy.

const ROOT = path.join(__dirname, '..', '..');

test('mltrain run scatter-reduce --workers 4 --epochs 3 reaches 95% on MNIST', async () => {
  const runsDir = mkdtempSync(path.join(os.tmpdir(), 'mnist-scatter-reduce-'));
  try {
    const out = path.join(runsDir, 'results.json');
    const { stdout } = await promisify(execFile)(path.join(ROOT, 'bin', 'mltrain'),
      ['run', 'scatter-reduce', '--workers', '4', '--epochs', '3', '--runs-dir', runsDir, '--out', out], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    expect(stdout).toMatch(/epoch 3\/3 .*test acc/);
    const results = JSON.parse(readFileSync(out, 'utf8'));
    expect(results.framework).toBe('scatter-reduce');
    expect(results.config).toMatchObject({ workers: 4, epochs: 3, model: 'mlp', dataset: 'mnist', channel: 's3', lr: 0.05 });
    expect(results.final.testAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(results.final.numParams).toBe(101_770);
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
}, 900_000);
