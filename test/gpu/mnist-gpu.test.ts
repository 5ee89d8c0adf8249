import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

// The bar for the GPU baseline, through the real command line, on this machine's CPU:
// MLP on real MNIST, the hyperparameters of 4 workers × batch 64, 3 epochs, reaches AllReduce's 95%.

const ROOT = path.join(__dirname, '..', '..');

test('mltrain run gpu --epochs 3 reaches 95% on MNIST', async () => {
  const runsDir = mkdtempSync(path.join(os.tmpdir(), 'mnist-gpu-'));
  try {
    const out = path.join(runsDir, 'results.json');
    const { stdout } = await promisify(execFile)(path.join(ROOT, 'bin', 'mltrain'),
      ['run', 'gpu', '--epochs', '3', '--runs-dir', runsDir, '--out', out], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    expect(stdout).toContain('trigger started 1 process');
    expect(stdout).toMatch(/epoch 3\/3 .*test acc/);
    const results = JSON.parse(readFileSync(out, 'utf8'));
    expect(results.framework).toBe('gpu');
    expect(results.config).toMatchObject({ workers: 4, batchSize: 64, epochs: 3, model: 'mlp', dataset: 'mnist', optimizer: 'sgd', lr: 0.05 });
    expect(results.final.testAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(results.final.numParams).toBe(101_770);
    expect(results.epochs.map((e: { trainLoss: number }) => e.trainLoss)).toEqual([...results.epochs.map((e: { trainLoss: number }) => e.trainLoss)].sort((a, b) => b - a));
    expect(results.cost.breakdown.ec2).toBeGreaterThan(0);
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
}, 300_000);
