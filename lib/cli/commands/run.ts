import path from 'node:path';
import { requireFramework } from '../../frameworks/catalog';
import { installCleanupHandlers } from '../../local/processes';
import { DEFAULT_RUNS_DIR, trainLocally, type LocalRunEvent } from '../../local/train-locally';
import { progressLine, summaryTable } from '../format';
import { toTrainingConfig } from '../options';

export interface RunCommandOptions extends Record<string, unknown> {
  out?: string;
  json?: boolean;
  runsDir?: string;
  lambdaTimeout?: number;
}

/** mltrain run <framework>: train locally against real local servers, print progress and a summary. */
export async function runCommand(framework: string, opts: RunCommandOptions): Promise<number> {
  const { name } = requireFramework(framework);
  const config = toTrainingConfig(opts, name);
  installCleanupHandlers(); // Ctrl-C stops every server and invocation this run started
  const say = opts.json ? () => undefined : (line: string) => process.stdout.write(line + '\n');
  const runsDir = path.resolve(opts.runsDir ?? DEFAULT_RUNS_DIR);
  const onEvent = (e: LocalRunEvent): void => {
    const line = progressLine(e);
    if (line) say(line);
  };
  const results = await trainLocally({
    framework, config, runsDir, out: opts.out, onEvent,
    timeoutOverrides: opts.lambdaTimeout ? { worker: opts.lambdaTimeout, supervisor: opts.lambdaTimeout } : undefined,
  });
  const resultsFile = opts.out ?? path.join(runsDir, results.runId, 'results.json');
  if (opts.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  else say(summaryTable(results, path.relative(process.cwd(), resultsFile) || resultsFile));
  return 0;
}
