/**
 * Cold start of a gradient function's sandbox, fork → handler loaded (the local Lambda's init
 * phase), as SPIRT's first round pays it: one alone, then N at once. Three ways of loading,
 * measured back to back in one run: `tsx` (the TypeScript sources through the tsx loader, how
 * sandboxes started before bundling), `bundle` (the esbuild bundle in plain node) and `cached` (the
 * bundle with V8's code cache, what the local Lambda runs; the cache is filled by the first start).
 * CPU is the sandbox's user + sys time when it reported ready.
 *
 *   npx tsx bench/cold-start.ts [--concurrent 16] [--rounds 3] [--modes tsx,bundle,cached]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleEntry } from '../lib/local/lambda/bundles';

const REPO = path.resolve(__dirname, '..');
const HANDLER = path.join(REPO, 'services', 'spirt', 'handlers', 'compute-gradients.ts');
const CHILD = path.join(REPO, 'lib', 'local', 'lambda', 'child.ts');
const CLOCK_TICKS = 100; // USER_HZ on Linux

const MODES = ['tsx', 'bundle', 'cached'] as const;
type Mode = (typeof MODES)[number];
interface Sample { wallMs: number; cpuMs: number }

function parseArgs(argv: string[]): { concurrent: number; rounds: number; modes: Mode[] } {
  const opts = { concurrent: 16, rounds: 3, modes: [...MODES] as Mode[] };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ''];
    if (flag === '--modes') {
      const modes = value.split(',');
      if (!modes.every((m) => (MODES as readonly string[]).includes(m))) throw new Error(`--modes takes ${MODES.join(', ')}, comma-separated; got "${value}"`);
      opts.modes = modes as Mode[];
      continue;
    }
    const n = Number(value);
    if ((flag !== '--concurrent' && flag !== '--rounds') || !Number.isInteger(n) || n < 1) {
      throw new Error(`usage: bench/cold-start.ts [--concurrent N] [--rounds N] [--modes tsx,bundle,cached], N a positive integer; got ${flag} ${value}`);
    }
    opts[flag === '--concurrent' ? 'concurrent' : 'rounds'] = n;
  }
  return opts;
}

/** user + sys CPU of a live process, from /proc. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

interface Code { child: string; handler: string; compileCacheDir: string }

function startOne(mode: Mode, code: Code): Promise<Sample> {
  const t0 = performance.now();
  const stdio: ['ignore', 'ignore', 'inherit', 'ipc'] = ['ignore', 'ignore', 'inherit', 'ipc'];
  const child: ChildProcess = mode === 'tsx'
    ? fork(CHILD, [HANDLER, 'handler', HANDLER, ''], { execArgv: ['--import', 'tsx'], stdio })
    : fork(code.child, [code.handler, 'handler', HANDLER, '', mode === 'cached' ? code.compileCacheDir : ''], { execArgv: [], stdio });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('message', (m: { ok: boolean; errorMessage?: string }) => {
      const sample = { wallMs: performance.now() - t0, cpuMs: cpuMs(child.pid!) };
      child.kill('SIGKILL');
      if (m.ok) resolve(sample);
      else reject(new Error(`${mode}: the handler did not load: ${m.errorMessage}`));
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => os.loadavg()[0].toFixed(1);
const show = (samples: Sample[]) =>
  `wall median ${median(samples.map((s) => s.wallMs)).toFixed(0)} ms (max ${Math.max(...samples.map((s) => s.wallMs)).toFixed(0)}), ` +
  `CPU median ${median(samples.map((s) => s.cpuMs)).toFixed(0)} ms`;

async function main(): Promise<void> {
  const { concurrent, rounds, modes } = parseArgs(process.argv.slice(2));
  const compileCacheDir = mkdtempSync(path.join(os.tmpdir(), 'bench-code-cache-'));
  const code = { child: await bundleEntry(CHILD), handler: await bundleEntry(HANDLER), compileCacheDir };
  console.log(`compute_gradients cold start, fork → handler loaded; ${os.cpus().length} cores, node ${process.version}`);
  try {
    if (modes.includes('cached')) console.log(`cached, first start (fills the code cache): ${show([await startOne('cached', code)])}`);
    for (let round = 1; round <= rounds; round++) {
      for (const mode of modes) {
        const alone = await startOne(mode, code);
        const loadBefore = load();
        const many = await Promise.all(Array.from({ length: concurrent }, () => startOne(mode, code)));
        console.log(`round ${round} ${mode.padEnd(6)} alone: ${show([alone])}; ${concurrent} at once: ${show(many)} (load ${loadBefore} → ${load()})`);
      }
    }
  } finally {
    rmSync(compileCacheDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
