import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseFrameworkList } from '../../lib/cli/commands/compare';
import { toTrainingConfigs } from '../../lib/cli/options';
import { accuracyChartSvg } from '../../lib/compare/accuracy-chart';
import { buildComparison, comparedRun, comparisonReport, type Comparison } from '../../lib/compare/comparison';
import type { RunResults } from '../../lib/metrics/results';

// mltrain compare: the options each framework gets, the combined report and chart, and one real
// comparison of three frameworks through bin/mltrain and the local servers.

const ROOT = path.join(__dirname, '..', '..');

describe('options for several frameworks', () => {
  test('each framework gets the shared options and only the framework options it takes, with its own defaults', () => {
    const configs = toTrainingConfigs({ workers: 2, epochs: 1, dataset: 'synthetic', channel: 'redis' }, ['allreduce', 'mlless', 'spirt']);
    expect(configs.get('allreduce')).toMatchObject({ workers: 2, epochs: 1, dataset: 'synthetic', channel: 'redis', lr: 0.05 });
    expect(configs.get('mlless')).toMatchObject({ workers: 2, variant: 'significant', threshold: 10, lr: 0.05 });
    expect(configs.get('mlless')!.channel).toBeUndefined();
    expect(configs.get('spirt')).toMatchObject({ workers: 2, batches: 4, lr: 0.5 }); // SPIRT's own default step
    expect(toTrainingConfigs({ lr: 0.1 }, ['allreduce', 'spirt']).get('spirt')!.lr).toBe(0.1); // an explicit --lr applies to all
  });

  test('a framework option none of the compared frameworks takes, or one a framework refuses, stops everything with the reason', () => {
    expect(() => toTrainingConfigs({ variant: 'all', threshold: 1 }, ['allreduce', 'gpu']))
      .toThrow('invalid options: --variant applies to none of allreduce, gpu; --threshold applies to none of allreduce, gpu');
    expect(() => toTrainingConfigs({ optimizer: 'adam' }, ['allreduce', 'spirt']))
      .toThrow('invalid options for spirt: --optimizer adam is not supported by spirt (supported: sgd)');
    expect(() => toTrainingConfigs({ workers: 0 }, ['allreduce'])).toThrow('invalid options for allreduce: --workers: Too small');
  });

  test('the framework list is checked: known names, each once, at least one; none given means all', () => {
    expect(parseFrameworkList('allreduce, mlless')).toEqual(['allreduce', 'mlless']);
    expect(parseFrameworkList(undefined)).toEqual(['allreduce', 'scatter-reduce', 'spirt', 'mlless', 'ps', 'gpu']);
    expect(() => parseFrameworkList('allreduce,tensorflow')).toThrow('unknown framework "tensorflow"; known frameworks: allreduce, scatter-reduce, spirt, mlless, ps, gpu');
    expect(() => parseFrameworkList('gpu,gpu')).toThrow('--frameworks names gpu more than once');
    expect(() => parseFrameworkList(' , ')).toThrow('--frameworks needs at least one of');
  });
});

function fakeResults(framework: string, accuracies: number[], seconds: number, costUsd: number): RunResults {
  return {
    runId: `${framework}-run`, framework, config: { lr: 0.05 }, backend: 'wasm', startedAt: '2026-11-21T00:00:00.000Z', wallSeconds: seconds + 5,
    epochs: accuracies.map((testAccuracy, i) => ({
      epoch: i + 1, seconds: seconds / accuracies.length, trainLoss: 1, testLoss: 1 - testAccuracy, testAccuracy,
      computeSeconds: 2, syncSeconds: 1, updateSeconds: 0.5, steps: 10, bytesWritten: 4e6, bytesRead: 1e6,
      bytesByStore: { s3: { written: 3e6, read: 1e6 }, sqs: { written: 1e6, read: 0 } },
    })),
    final: { testAccuracy: accuracies[accuracies.length - 1], testLoss: 0.1, paramsDigest: 'x', numParams: 10 },
    traffic: { bytesWritten: 2e6, bytesRead: 3e6 } as RunResults['traffic'],
    invocations: { count: 1, byFunction: {} },
    cost: {
      usd: costUsd, idleUsdPerHour: 0, assumptions: '',
      breakdown: { lambda: costUsd, stepFunctions: 0, s3: 0, sqs: 0, dynamodb: 0, elastiCache: 0, ec2: 0, vpcEndpoints: 0, dataTransfer: 0 },
    },
  };
}

describe('the combined report and chart', () => {
  const comparison: Comparison = buildComparison(
    [comparedRun(fakeResults('allreduce', [0.9, 0.95], 100, 0.02), 'a.json'), comparedRun(fakeResults('mlless', [0.8, 0.85, 0.9], 30, 0.01), 'b.json')],
    [{ framework: 'spirt', error: 'peer 2 did not answer' }],
    { model: 'mlp', dataset: 'mnist', workers: 4, epochs: 3, batchSize: 64, seed: 42 }, new Date('2026-11-21T00:00:00Z'), new Date('2026-11-21T00:10:00Z'),
  );

  test('a run keeps its accuracy curve against the training time elapsed', () => {
    expect(comparison.runs[1].curve).toEqual([
      { epoch: 1, seconds: 10, testAccuracy: 0.8 }, { epoch: 2, seconds: 20, testAccuracy: 0.85 }, { epoch: 3, seconds: 30, testAccuracy: 0.9 },
    ]);
    expect(comparison.runs[0]).toMatchObject({ trainingSeconds: 100, wallSeconds: 105, bytesMoved: 5e6, costUsd: 0.02, lr: 0.05 });
  });

  test('the report has a row per run, bars scaled to the largest value, and each failure with its reason', () => {
    const report = comparisonReport(comparison).split('\n');
    expect(report).toContain('compared on mlp / mnist, 4 workers, 3 epochs, batch 64, seed 42');
    expect(report.find((l) => l.startsWith('allreduce '))).toMatch(/^allreduce\s+95\.00%\s+0\.1000\s+100\.0\s+105\.0\s+5\.0\s+0\.0200\s+0\.05\s+allreduce-run$/);
    const timeBars = report.slice(report.indexOf('training seconds') + 1, report.indexOf('training seconds') + 3);
    expect(timeBars[0].split('█').length - 1).toBe(40); // allreduce: the longest
    expect(timeBars[1].split('█').length - 1).toBe(12); // mlless: 30 / 100 of it
    // Accuracy bars start at the tenth below the lowest (90%): 95% fills the bar, 90% leaves it empty.
    const accuracyBars = report.slice(report.indexOf('test accuracy (bars from 90.00%)') + 1).slice(0, 2);
    expect(accuracyBars.map((l) => l.split('█').length - 1)).toEqual([40, 0]);
    expect(report).toContain('spirt FAILED: peer 2 did not answer');
  });

  test('the report splits a step into compute, synchronisation and update, and its bytes by store', () => {
    // Each fake epoch: 10 steps, 2 s computing, 1 s synchronising, 0.5 s updating, 5 MB moved (4 MB through S3).
    expect(comparison.runs[1].perStep).toEqual({ steps: 30, computeMs: 200, syncMs: 100, updateMs: 50, bytes: 5e5, bytesByStore: { s3: 4e5, sqs: 1e5 } });
    const report = comparisonReport(comparison).split('\n');
    expect(report.find((l) => l.startsWith('per step'))).toMatch(/^per step\s+steps\s+compute ms\s+sync ms\s+update ms\s+MB moved\s+MB by store$/);
    expect(report.find((l) => l.startsWith('mlless ') && l.includes('s3 0.40'))).toMatch(/^mlless\s+30\.0\s+200\s+100\s+50\s+0\.50\s+s3 0\.40, sqs 0\.10$/);
  });

  test('the chart has a line per run through its epochs, higher accuracy drawn higher', () => {
    const svg = accuracyChartSvg(comparison);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const lines = [...svg.matchAll(/<polyline data-framework="([^"]+)"[^>]* points="([^"]+)"/g)].map((m) => ({ framework: m[1], points: m[2].split(' ').map((p) => p.split(',').map(Number)) }));
    expect(lines.map((l) => l.framework)).toEqual(['allreduce', 'mlless']);
    expect(lines[1].points).toHaveLength(3);
    const [first, , last] = lines[1].points;
    expect(last[0]).toBeGreaterThan(first[0]); // later in time: further right
    expect(last[1]).toBeLessThan(first[1]); // more accurate: higher up
    expect(svg).toContain('allreduce 95.00%');
  });
});

test('mltrain compare trains each framework in turn and writes the combined results and chart', async () => {
  const runsDir = mkdtempSync(path.join(os.tmpdir(), 'compare-'));
  try {
    const out = path.join(runsDir, 'cmp', 'comparison.json');
    const { stdout } = await promisify(execFile)(path.join(ROOT, 'bin', 'mltrain'), [
      'compare', '--frameworks', 'allreduce,gpu,mlless', '--dataset', 'synthetic', '--workers', '2', '--epochs', '1', '--runs-dir', runsDir, '--out', out,
    ], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    expect(stdout).toContain('== 1/3 allreduce (LambdaML AllReduce)');
    expect(stdout).toMatch(/\[mlless\] epoch 1\/1 /);
    const comparison = JSON.parse(readFileSync(out, 'utf8')) as Comparison;
    expect(comparison.failed).toEqual([]);
    expect(comparison.runs.map((r) => r.framework)).toEqual(['allreduce', 'gpu', 'mlless']);
    expect(comparison.shared).toEqual({ model: 'mlp', dataset: 'synthetic', workers: 2, epochs: 1, batchSize: 64, seed: 42 });
    for (const r of comparison.runs) {
      expect(existsSync(r.resultsFile)).toBe(true);
      expect(JSON.parse(readFileSync(r.resultsFile, 'utf8')).runId).toBe(r.runId);
      expect(r.testAccuracy).toBeGreaterThan(0.5);
    }
    // The GPU baseline takes AllReduce's steps in one process: the same model, to float rounding.
    expect(Math.abs(comparison.runs[0].testAccuracy - comparison.runs[1].testAccuracy)).toBeLessThan(0.005);
    expect(stdout).toMatch(/^mlless\s+\d+\.\d+%/m);
    expect(readFileSync(path.join(runsDir, 'cmp', 'comparison.svg'), 'utf8').match(/<polyline /g)).toHaveLength(3);
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
}, 600_000);
