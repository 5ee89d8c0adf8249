import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import { initBackend } from '../../ml/backend';
import { REPO_ROOT } from '../../local/runtime';
import { findOnPath } from '../../local/servers/binary';
import { aptInstall } from '../../local/setup/prerequisites';
import { startRedis } from '../../local/servers/redis';
import type { ProcessServer } from '../../local/servers/types';
import { TensorClient } from '../../stores/tensor-client';
import { ensureTensorModule, TENSOR_MODULE_PATH, tensorModuleState } from '../../stores/tensor-module';
import { buildNativeEngine, nativeEngineCheck } from './native-check';

// mltrain doctor: what a local run needs, whether this machine has it, and how to get what is missing.

export interface Check {
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
    aptInstall(missing, process.getuid?.() === 0 ? 'root' : 'sudo', true);
  }
  if (opts.fix && tensorModuleState() !== 'built') {
    process.stdout.write('building the Redis tensor module (make -C redisai)\n');
    try {
      ensureTensorModule();
    } catch (err) {
      process.stdout.write(`${(err as Error).message}\n`);
    }
  }
  if (opts.fix && !checks.find((c) => c.name === 'native engine')?.ok) {
    process.stdout.write('building the native engine (make -C native)\n');
    const error = buildNativeEngine();
    if (error !== undefined) process.stdout.write(`${error}\n`);
  }
  if (opts.fix) checks = await runChecks();
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
    nativeEngineCheck(),
    { name: 'tfjs-node (optional)', ok: tfjsNodeLoads(), optional: true, detail: tfjsNodeLoads() ? 'loads: native TensorFlow is used' : 'not installed (needs a libtensorflow download): the wasm backend is used' },
    binaryCheck('redis-server', ['--version'], 'redis-server', 'SPIRT peers and MLLESS (not needed by allreduce)'),
    binaryCheck('memcached', ['-V'], 'memcached', 'the memcached channel of LambdaML (not needed by allreduce)'),
    ...(await tensorModuleChecks()),
  ];
}

function binaryCheck(binary: string, versionArgs: string[], aptPackage: string, usedBy: string): Check {
  const found = findOnPath(binary);
  if (!found) return { name: binary, ok: false, optional: true, detail: `not on PATH; used by ${usedBy}`, aptPackages: [aptPackage] };
  const version = spawnSync(found, versionArgs, { encoding: 'utf8' }).stdout.split('\n')[0].trim();
  return { name: binary, ok: true, optional: true, detail: `${found}: ${version}` };
}

/** The Redis tensor module (SPIRT's peer databases): built and up to date, and loading into redis-server. */
export async function tensorModuleChecks(): Promise<Check[]> {
  const state = tensorModuleState();
  const built: Check =
    state === 'built'
      ? { name: 'tensor module built', ok: true, optional: true, detail: TENSOR_MODULE_PATH }
      : {
          name: 'tensor module built',
          ok: false,
          optional: true,
          detail: `${state === 'missing' ? 'not built' : 'older than its sources'}: run npm run build:module (make -C redisai, needs gcc and make; SPIRT only)`,
          aptPackages: [...['gcc', 'make'].filter((tool) => !findOnPath(tool)), ...(existsSync('/usr/include/stdio.h') ? [] : ['libc6-dev'])],
        };
  if (state === 'missing') return [built, { name: 'tensor module loads', ok: false, optional: true, detail: 'not built' }];
  return [built, await tensorModuleLoads()];
}

/** Starts a redis-server with the module and round-trips a tensor through AI.TENSORSET / AI.TENSORGET. */
async function tensorModuleLoads(): Promise<Check> {
  const name = 'tensor module loads';
  if (!findOnPath('redis-server')) return { name, ok: false, optional: true, detail: 'needs redis-server on PATH' };
  let server: ProcessServer | undefined;
  let redis: Redis | undefined;
  try {
    server = await startRedis({ modules: [{ path: TENSOR_MODULE_PATH }] });
    redis = new Redis({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 1 });
    const client = new TensorClient(redis);
    const sent = new Float32Array([1, -2.5, 0.1]);
    await client.set('doctor:tensor', sent);
    const back = await client.get('doctor:tensor');
    const same = back !== undefined && Buffer.compare(Buffer.from(back.buffer), Buffer.from(sent.buffer)) === 0;
    return same
      ? { name, ok: true, optional: true, detail: 'redis-server loaded it; AI.TENSORSET / AI.TENSORGET round trip exact' }
      : { name, ok: false, optional: true, detail: `AI.TENSORGET returned ${back ? Array.from(back).join(', ') : 'nothing'}, sent 1, -2.5, 0.1` };
  } catch (err) {
    return { name, ok: false, optional: true, detail: (err as Error).message.split('\n').slice(0, 4).join(' | ') };
  } finally {
    redis?.disconnect();
    await server?.stop();
  }
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
