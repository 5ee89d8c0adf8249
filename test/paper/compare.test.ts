import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Comparison } from '../../lib/compare/comparison';

// mltrain compare on the papers' workload: the model, dataset and sample options reach every
// framework, and the report splits each framework's step into compute, synchronisation and update
// with the bytes it moves. Tiny settings (2 steps per worker), but six MobileNet runs take minutes:
// it runs under `npm run test:paper` (MLTRAIN_PAPER=all) only.

const ROOT = path.join(__dirname, '..', '..');
const MOBILENET_PARAMS = 3_217_226;
const GRADIENT_BYTES = MOBILENET_PARAMS * 4;
const run = process.env.MLTRAIN_PAPER === 'all' ? test : test.skip;
const reason = process.env.MLTRAIN_PAPER === 'all' ? '' : ' (skipped: six MobileNet runs, run with npm run test:paper)';

run(`mltrain compare --model mobilenet --dataset synthetic-images passes the options to every framework and splits their steps${reason}`, async () => {
  const runsDir = mkdtempSync(path.join(os.tmpdir(), 'paper-compare-'));
  try {
    const out = path.join(runsDir, 'cmp', 'comparison.json');
    // compare exits 1 when a framework failed; its output and comparison.json still say which and why.
    const { stdout } = await promisify(execFile)(path.join(ROOT, 'bin', 'mltrain'), [
      'compare', '--model', 'mobilenet', '--dataset', 'synthetic-images', '--train-samples', '16', '--test-samples', '8',
      '--workers', '2', '--batch-size', '4', '--epochs', '1', '--batches', '2', '--sync-timeout', '900', '--runs-dir', runsDir, '--out', out,
    ], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }).catch((err: { stdout?: string; stderr?: string }) => ({ stdout: `${err.stdout ?? ''}\n${err.stderr ?? ''}` }));
    const comparison = JSON.parse(readFileSync(out, 'utf8')) as Comparison;
    expect(comparison.failed).toEqual([]);
    expect(comparison.runs.map((r) => r.framework)).toEqual(['allreduce', 'scatter-reduce', 'spirt', 'mlless', 'ps', 'gpu']);
    expect(comparison.shared).toMatchObject({ model: 'mobilenet', dataset: 'synthetic-images', workers: 2, epochs: 1, batchSize: 4 });
    const lines = stdout.split('\n');
    expect(lines.some((l) => /^per step\s+steps\s+compute ms\s+sync ms\s+update ms\s+MB moved\s+MB by store$/.test(l))).toBe(true);
    for (const r of comparison.runs) {
      expect(r.results.config).toMatchObject({ model: 'mobilenet', dataset: 'synthetic-images', trainSamples: 16, testSamples: 8 });
      expect(r.results.final.numParams).toBe(MOBILENET_PARAMS);
      // 16 rows over 2 workers of batch 4: 2 steps each (the GPU baseline takes both workers' rows in one step).
      expect(r.perStep).toBeDefined();
      expect(r.perStep!.steps).toBe(2);
      expect(r.perStep!.computeMs).toBeGreaterThan(0);
      expect(lines.some((l) => l.startsWith(`${r.label} `) && /\s2\.0\s/.test(l))).toBe(true);
      if (r.framework === 'gpu') {
        expect(r.perStep!.syncMs).toBe(0);
        continue;
      }
      expect(r.perStep!.syncMs).toBeGreaterThan(0);
      // Every exchanging framework but MLLESS (which sends only significant updates) moves at least a
      // gradient per worker per step.
      if (r.framework !== 'mlless') expect(r.perStep!.bytes).toBeGreaterThanOrEqual(2 * GRADIENT_BYTES);
    }
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
}, 40 * 60_000);
