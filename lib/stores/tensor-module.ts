/**
 * The Redis tensor module's shared object (redisai/, C) and building it when it is missing or
 * older than its sources, so the local runtime and the tests can load it into redis-server.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findOnPath } from '../local/servers/binary';

export const TENSOR_MODULE_SOURCE_DIR = path.resolve(__dirname, '..', '..', 'redisai');
/** Absolute path of the module, as `make -C redisai` writes it. */
export const TENSOR_MODULE_PATH = builtModulePath(TENSOR_MODULE_SOURCE_DIR);

function builtModulePath(sourceDir: string): string {
  return path.join(sourceDir, 'build', 'mltrain_tensor.so');
}

/** 0 when there are no sources to compare with (a copy of the repository without redisai/src). */
function newestSourceTime(sourceDir: string): number {
  const srcDir = path.join(sourceDir, 'src');
  if (!fs.existsSync(srcDir)) return 0;
  const files = [path.join(sourceDir, 'Makefile'), ...fs.readdirSync(srcDir).map((f) => path.join(srcDir, f))];
  return Math.max(...files.filter((f) => fs.existsSync(f)).map((f) => fs.statSync(f).mtimeMs));
}

/** 'stale': built, but older than a source or the Makefile. */
export function tensorModuleState(sourceDir = TENSOR_MODULE_SOURCE_DIR): 'built' | 'stale' | 'missing' {
  let builtAt: number;
  try {
    builtAt = fs.statSync(builtModulePath(sourceDir)).mtimeMs;
  } catch {
    return 'missing';
  }
  return builtAt >= newestSourceTime(sourceDir) ? 'built' : 'stale';
}

/**
 * Returns TENSOR_MODULE_PATH, first running `make -C redisai` (synchronously) when the module is
 * missing or older than its sources. Throws naming what is missing (make, the C compiler) or with
 * the compiler's output when the build fails. `sourceDir` is for tests building a copy.
 */
export function ensureTensorModule(sourceDir = TENSOR_MODULE_SOURCE_DIR): string {
  const modulePath = builtModulePath(sourceDir);
  if (tensorModuleState(sourceDir) === 'built') return modulePath;
  const compiler = process.env.CC || 'gcc';
  const missing = ['make', compiler].filter((tool) => !findOnPath(tool));
  if (missing.length > 0) {
    throw new Error(
      `cannot build the Redis tensor module (${modulePath}): ${missing.join(' and ')} not found on PATH; ` +
        `install them (Debian: apt-get install -y ${missing.join(' ')}) or run 'mltrain doctor --fix'`,
    );
  }
  try {
    execFileSync('make', ['-C', sourceDir], { stdio: 'pipe', encoding: 'utf8' });
  } catch (err) {
    const { stderr, stdout, message } = err as { stderr?: string; stdout?: string; message: string };
    const output = `${stdout ?? ''}${stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`building the Redis tensor module failed (make -C ${sourceDir}):\n${output || message}`);
  }
  return modulePath;
}
