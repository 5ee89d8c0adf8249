import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { accuracyChartSvg } from '../../compare/accuracy-chart';
import { buildComparison, comparedRun, comparisonReport, type ComparedRun, type Comparison } from '../../compare/comparison';
import { FRAMEWORK_NAMES, requireFramework, type FrameworkName } from '../../frameworks/catalog';
import { newRunId } from '../../frameworks/run/run-keys';
import { InvalidInputError } from '../../frameworks/run/training-config';
import { installCleanupHandlers } from '../../local/processes';
import { DEFAULT_RUNS_DIR, trainLocally } from '../../local/train-locally';
import { progressLine } from '../format';
import { toTrainingConfigs } from '../options';

export interface CompareCommandOptions extends Record<string, unknown> {
  frameworks?: string;
  out?: string;
  json?: boolean;
  runsDir?: string;
}

/**
 * mltrain compare: trains each framework in turn on the same data, model and seed, against real
 * local servers, and writes the combined results (comparison.json) and a chart (comparison.svg).
 * A framework that fails is reported and the others still run; the exit code says so.
 */
export async function compareCommand(opts: CompareCommandOptions): Promise<number> {
  const frameworks = parseFrameworkList(opts.frameworks);
  const configs = toTrainingConfigs(opts, frameworks);
  installCleanupHandlers();
  const say = opts.json ? () => undefined : (line: string) => process.stdout.write(line + '\n');
  const runsDir = path.resolve(opts.runsDir ?? DEFAULT_RUNS_DIR);
  const startedAt = new Date();
  const out = path.resolve(opts.out ?? path.join(runsDir, newRunId('compare', startedAt), 'comparison.json'));
  const first = configs.get(frameworks[0])!;

  const runs: ComparedRun[] = [];
  const failed: Comparison['failed'] = [];
  for (const [i, framework] of frameworks.entries()) {
    say(`\n== ${i + 1}/${frameworks.length} ${framework} (${requireFramework(framework).title})`);
    try {
      const results = await trainLocally({
        framework, config: configs.get(framework)!, runsDir,
        onEvent: (e) => { const line = progressLine(e); if (line) say(`[${framework}] ${line}`); },
      });
      runs.push(comparedRun(results, path.join(runsDir, results.runId, 'results.json')));
    } catch (err) {
      failed.push({ framework, error: (err as Error).message });
      say(`[${framework}] failed: ${(err as Error).message}`);
    }
  }

  const comparison = buildComparison(runs, failed, {
    model: first.model, dataset: first.dataset, workers: first.workers, epochs: first.epochs, batchSize: first.batchSize, seed: first.seed,
  }, startedAt);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(comparison, null, 2) + '\n');
  const chart = out.replace(/\.json$/, '') + '.svg';
  writeFileSync(chart, accuracyChartSvg(comparison));
  if (opts.json) process.stdout.write(JSON.stringify(comparison, null, 2) + '\n');
  else {
    say(comparisonReport(comparison));
    say(`\ncombined results: ${path.relative(process.cwd(), out) || out}\nchart: ${path.relative(process.cwd(), chart) || chart}`);
  }
  return failed.length ? 1 : 0;
}

/** "allreduce,mlless" → the names, checked; none given → every framework. */
export function parseFrameworkList(list: string | undefined): FrameworkName[] {
  if (list === undefined) return [...FRAMEWORK_NAMES];
  const names = list.split(',').map((n) => n.trim()).filter(Boolean);
  if (!names.length) throw new InvalidInputError(`--frameworks needs at least one of ${FRAMEWORK_NAMES.join(', ')}`);
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length) throw new InvalidInputError(`--frameworks names ${repeated.join(', ')} more than once`);
  return names.map((n) => requireFramework(n).name);
}
