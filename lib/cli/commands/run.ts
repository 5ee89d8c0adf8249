import path from 'node:path';
import { requireFramework } from '../../frameworks/catalog';
import { InvalidInputError } from '../../frameworks/run/training-config';
import { installCleanupHandlers } from '../../local/processes';
import { assertWritableFile } from '../../local/results-file';
import { ensureLocalPrerequisites } from '../../local/setup/prerequisites';
import { DEFAULT_RUNS_DIR, trainLocally, type LocalRunEvent } from '../../local/train-locally';
import { progressLine, summaryTable } from '../format';
import { toTrainingConfig } from '../options';

export interface RunCommandOptions extends Record<string, unknown> {
  out?: string;
  json?: boolean;
  runsDir?: string;
  lambdaTimeout?: string;
}

/** mltrain run <framework>: train locally against real local servers, print progress and a summary. */
export async function runCommand(framework: string, opts: RunCommandOptions): Promise<number> {
  const { name } = requireFramework(framework);
  const config = toTrainingConfig(opts, name);
  const lambdaTimeout = parseLambdaTimeout(opts.lambdaTimeout);
  if (opts.out) assertWritableFile('--out', opts.out);
  const say = opts.json ? () => undefined : (line: string) => process.stdout.write(line + '\n');
  // What the run needs on this machine (servers, the tensor module): installed now if possible.
  await ensureLocalPrerequisites(name, config, { say: (line: string) => process.stderr.write(`mltrain: ${line}\n`) });
  installCleanupHandlers(); // Ctrl-C stops every server and invocation this run started
  const runsDir = path.resolve(opts.runsDir ?? DEFAULT_RUNS_DIR);
  const onEvent = (e: LocalRunEvent): void => {
    const line = progressLine(e);
    if (line) say(line);
  };
  const results = await trainLocally({
    framework, config, runsDir, out: opts.out, onEvent,
    timeoutOverrides: lambdaTimeout ? { worker: lambdaTimeout, supervisor: lambdaTimeout } : undefined,
  });
  const resultsFile = opts.out ?? path.join(runsDir, results.runId, 'results.json');
  if (opts.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  else say(summaryTable(results, path.relative(process.cwd(), resultsFile) || resultsFile));
  return 0;
}

/** --lambda-timeout: seconds, a number greater than 0. */
export function parseLambdaTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidInputError(`--lambda-timeout must be a number of seconds greater than 0, got "${value}"`);
  }
  return seconds;
}
