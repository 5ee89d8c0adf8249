import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { initBackend } from '../../ml/backend';
import { REPO_ROOT } from '../../local/runtime';
import { findOnPath } from '../../local/servers/binary';

// mltrain doctor: what a local run needs, whether this machine has it, and how to get what is missing.

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** Needed by some frameworks only: a missing one is a warning, not a failure. */
  optional?: boolean;
  /** Debian packages that would fix it with --fix. */
  aptPackages?: string[];
}

export async function doctorCommand(opts: { fix?: boolean }): Promise<number> {
  let checks = await runChecks();
  const missing = [...new Set(checks.filter((c) => !c.ok).flatMap((c) => c.aptPackages ?? []))];
  if (opts.fix && missing.length) {
    process.stdout.write(`installing ${missing.join(' ')} with apt-get\n`);
    install(missing);
    checks = await runChecks();
  }
  for (const c of checks) process.stdout.write(`${c.ok ? 'ok  ' : c.optional ? 'warn' : 'FAIL'}  ${c.name.padEnd(22)} ${c.detail}\n`);
  const stillMissing = [...new Set(checks.filter((c) => !c.ok).flatMap((c) => c.aptPackages ?? []))];
  if (!opts.fix && stillMissing.length) process.stdout.write(`\nfix with: mltrain doctor --fix   (runs: apt-get install -y ${stillMissing.join(' ')})\n`);
  return checks.some((c) => !c.ok && !c.optional) ? 1 : 0;
}

async function runChecks(): Promise<Check[]> {
  const [major, minor] = process.versions.node.split('.').map(Number);
  const backend = await initBackend().then((b) => ({ ok: b.name !== 'cpu', detail: `${b.name}: ${b.detail}` }), (e: Error) => ({ ok: false, detail: e.message }));
  const cli = readCliPackage();
  return [
    { name: 'node', ok: major > 20 || (major === 20 && minor >= 19), detail: `v${process.versions.node} (needs >= 20.19)` },
    { name: 'serverless CLI', ok: cli.name === 'osls', detail: cli.name === 'osls' ? `osls ${cli.version} installed as serverless` : `node_modules/serverless is ${cli.name ?? 'missing'}: run npm ci (package.json overrides it with osls)` },
    { name: 'tfjs backend', ok: backend.ok, detail: backend.detail },
    { name: 'tfjs-node (optional)', ok: tfjsNodeLoads(), optional: true, detail: tfjsNodeLoads() ? 'loads: native TensorFlow is used' : 'not installed (needs a libtensorflow download): the wasm backend is used' },
    binaryCheck('redis-server', ['--version'], 'redis-server', 'SPIRT peers and MLLESS (not needed by allreduce)'),
    binaryCheck('memcached', ['-V'], 'memcached', 'the memcached channel of LambdaML (not needed by allreduce)'),
    redisModuleCheck(),
  ];
}

function binaryCheck(binary: string, versionArgs: string[], aptPackage: string, usedBy: string): Check {
  const found = findOnPath(binary);
  if (!found) return { name: binary, ok: false, optional: true, detail: `not on PATH; used by ${usedBy}`, aptPackages: [aptPackage] };
  const version = spawnSync(found, versionArgs, { encoding: 'utf8' }).stdout.split('\n')[0].trim();
  return { name: binary, ok: true, optional: true, detail: `${found}: ${version}` };
}

function redisModuleCheck(): Check {
  const so = path.join(REPO_ROOT, 'redisai', 'mltrain_tensor.so');
  return existsSync(so)
    ? { name: 'redis tensor module', ok: true, optional: true, detail: so }
    : { name: 'redis tensor module', ok: false, optional: true, detail: 'not built yet (redisai/, needed by SPIRT only)' };
}

function readCliPackage(): { name?: string; version?: string } {
  try {
    return JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules', 'serverless', 'package.json'), 'utf8')) as { name: string; version: string };
  } catch {
    return {};
  }
}

function tfjsNodeLoads(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

function install(packages: string[]): void {
  const asRoot = process.getuid?.() === 0;
  const run = (args: string[]) => {
    const command = asRoot ? args : ['sudo', ...args];
    execFileSync(command[0], command.slice(1), { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  };
  run(['apt-get', 'update']);
  run(['apt-get', 'install', '-y', '--no-install-recommends', ...packages]);
  // Debian starts the packaged services; mltrain starts its own servers on free ports instead.
  for (const service of packages) spawnSync('service', [service, 'stop'], { stdio: 'ignore' });
}
