import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { requireFramework } from '../../frameworks/catalog';
import { DEFAULT_RUNS_DIR } from '../../local/train-locally';
import { sleep } from '../../util/wait';

// mltrain logs: the local counterpart of `sls logs -f <fn> -t`, over runs/<runId>/logs/*.jsonl.

export interface LogsOptions {
  function?: string;
  run?: string;
  follow?: boolean;
  runsDir?: string;
  raw?: boolean;
}

export async function logsCommand(framework: string, opts: LogsOptions): Promise<number> {
  requireFramework(framework);
  const runsDir = path.resolve(opts.runsDir ?? DEFAULT_RUNS_DIR);
  const runDir = path.join(runsDir, opts.run ?? latestRun(runsDir, framework));
  const logsDir = path.join(runDir, 'logs');
  if (!existsSync(logsDir)) throw new Error(`no logs at ${logsDir}`);
  const files = readdirSync(logsDir).filter((f) => f.endsWith('.jsonl')).map((f) => f.slice(0, -6));
  if (opts.function && !files.includes(opts.function)) {
    throw new Error(`run ${path.basename(runDir)} has no logs for function "${opts.function}"; it has: ${files.join(', ')}`);
  }
  const chosen = opts.function ? [opts.function] : files;
  const offsets = new Map(chosen.map((f) => [f, 0]));
  const print = (line: string) => process.stdout.write((opts.raw ? line : formatLine(line)) + '\n');
  printNew(logsDir, offsets, print);
  if (!opts.follow) return 0;
  let stop = false;
  process.once('SIGINT', () => { stop = true; });
  while (!stop) {
    await sleep(500);
    printNew(logsDir, offsets, print);
  }
  return 0;
}

function latestRun(runsDir: string, framework: string): string {
  const runs = existsSync(runsDir) ? readdirSync(runsDir).filter((d) => d.startsWith(`${framework}-`)) : [];
  if (runs.length === 0) throw new Error(`no ${framework} runs in ${runsDir}; start one with: mltrain run ${framework}`);
  return runs.sort((a, b) => statSync(path.join(runsDir, b)).mtimeMs - statSync(path.join(runsDir, a)).mtimeMs)[0];
}

/** Prints complete lines added since the last call, across files in time order. */
function printNew(logsDir: string, offsets: Map<string, number>, print: (line: string) => void): void {
  const fresh: { time: string; line: string }[] = [];
  for (const [fn, offset] of offsets) {
    const file = path.join(logsDir, `${fn}.jsonl`);
    if (!existsSync(file)) continue;
    const text = readFileSync(file).subarray(offset).toString('utf8');
    const end = text.lastIndexOf('\n') + 1;
    offsets.set(fn, offset + Buffer.byteLength(text.slice(0, end)));
    for (const line of text.slice(0, end).split('\n').filter(Boolean)) fresh.push({ time: timeOf(line), line });
  }
  fresh.sort((a, b) => a.time.localeCompare(b.time)).forEach((f) => print(f.line));
}

function timeOf(line: string): string {
  try {
    return String((JSON.parse(line) as { time?: string }).time ?? '');
  } catch {
    return '';
  }
}

const SHOWN_ELSEWHERE = new Set(['time', 'level', 'function', 'message', 'service', 'runId', 'requestId', 'rank']);

export function formatLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = String(entry.time ?? '').slice(11, 23);
  const who = `${entry.function ?? '?'}${entry.rank !== undefined ? `[${String(entry.rank)}]` : ''}`;
  const fields = Object.entries(entry).filter(([k]) => !SHOWN_ELSEWHERE.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' ');
  return `${time} ${String(entry.level ?? 'info').toUpperCase().padEnd(5)} ${who.padEnd(10)} ${String(entry.message ?? '')}${fields ? `  ${fields}` : ''}`;
}
