import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { staleEntries } from '../../lib/util/stale-entries';

// `serverless package` (osls, offline, no AWS credentials) of one service with some --params, done
// once per content: the result is kept under the system's temp folder, keyed by a digest of every
// file packaging reads (plugin, services, lib, layers, gpu, lockfile, the native engine's sources) and the arguments, so the test
// files that look at the same variant share one packaging (each takes 10-20 s: esbuild + layer).
// Each packaging runs from its own copy of the service folder (serverless-esbuild builds inside it),
// so two test files may package the same service at once. A hit marks its folder used; each new
// packaging prunes the cache to the 40 most recently used (twice the variants the tests package)
// plus whatever another checkout used within the last hour.

const ROOT = path.join(__dirname, '..', '..');
const CACHE = path.join(os.tmpdir(), 'mltrain-packaged');
const INPUTS = ['plugins', 'services', 'lib', 'layers', 'gpu', 'serverless.base.yml', 'package-lock.json', 'redisai/src', 'native/src', 'native/Makefile'];
const SKIP = /(^|\/)(node_modules|\.serverless|\.esbuild|\.package-[^/]*)$/;
const KEEP = { keepNewest: 40, maxAgeMs: 60 * 60 * 1000 };

export interface PackagedService {
  dir: string;
  /** What osls printed (its notices go to stderr). */
  output: string;
  template: { Resources: Record<string, any>; Parameters?: Record<string, any>; Outputs?: Record<string, any> };
}

let inputsDigest: string | undefined;

function digestInputs(): string {
  const hash = createHash('sha256');
  const visit = (p: string) => {
    if (SKIP.test(p) || !existsSync(p)) return;
    if (statSync(p).isDirectory()) for (const name of readdirSync(p).sort()) visit(path.join(p, name));
    else hash.update(path.relative(ROOT, p)).update('\0').update(readFileSync(p));
  };
  for (const input of INPUTS) visit(path.join(ROOT, input));
  return hash.digest('hex');
}

export function packagedKey(service: string, params: readonly string[]): string {
  inputsDigest ??= digestInputs();
  return createHash('sha256').update(JSON.stringify([inputsDigest, service, params])).digest('hex').slice(0, 24);
}

export async function packageService(service: string, params: readonly string[] = []): Promise<PackagedService> {
  const dir = path.join(CACHE, `${service}-${packagedKey(service, params)}`);
  const lock = `${dir}.lock`;
  mkdirSync(CACHE, { recursive: true });
  for (;;) {
    if (existsSync(path.join(dir, 'output.txt'))) return markUsed(load(dir));
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 600_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 500)); // another test file is packaging it
    }
  }
  try {
    const output = await runPackage(service, params, `${dir}.partial`);
    writeFileSync(path.join(`${dir}.partial`, 'output.txt'), output);
    rmSync(dir, { recursive: true, force: true });
    renameSync(`${dir}.partial`, dir);
    // Finished packagings only: .partial and .lock entries of running packagings are not named so.
    for (const stale of staleEntries(CACHE, /^[a-z-]+-[0-9a-f]{24}$/, KEEP)) rmSync(stale, { recursive: true, force: true });
    return load(dir);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function runPackage(service: string, params: readonly string[], out: string): Promise<string> {
  const copy = path.join(ROOT, 'services', `.package-${service}-${process.pid}-${Date.now()}`);
  cpSync(path.join(ROOT, 'services', service), copy, { recursive: true, filter: (src) => !SKIP.test(src) });
  rmSync(out, { recursive: true, force: true });
  const env = { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'no-such-profile' };
  const args = ['package', '--stage', 'dev', '--package', out, ...params.flatMap((p) => ['--param', p])];
  try {
    const { stdout, stderr } = await promisify(execFile)(path.join(ROOT, 'node_modules', '.bin', 'serverless'), args, { cwd: copy, env, maxBuffer: 64 << 20 });
    return `${stdout}${stderr}`;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`sls package of services/${service} ${params.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

function markUsed(packaged: PackagedService): PackagedService {
  const now = new Date();
  utimesSync(packaged.dir, now, now);
  return packaged;
}

function load(dir: string): PackagedService {
  return {
    dir,
    output: readFileSync(path.join(dir, 'output.txt'), 'utf8'),
    template: JSON.parse(readFileSync(path.join(dir, 'cloudformation-template-update-stack.json'), 'utf8')),
  };
}
