/** mltrain doctor's view of the native engine (native/, lib/ml/native): built, loadable, and what it needs. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../local/runtime';
import { findOnPath } from '../../local/servers/binary';
import { loadNativeEngine } from '../../ml/native/addon';
import type { Check } from './doctor';

/** Debian packages the build needs, with a file or command that shows each is installed. */
const BUILD_NEEDS: Array<[string, () => boolean]> = [
  ['g++', () => findOnPath('g++') !== undefined],
  ['make', () => findOnPath('make') !== undefined],
  ['libdnnl-dev', () => existsSync('/usr/include/dnnl.hpp')],
  ['libopenblas-dev', () => existsSync('/usr/include/x86_64-linux-gnu/cblas.h') || existsSync('/usr/include/aarch64-linux-gnu/cblas.h')],
];

export function nativeEngineCheck(): Check {
  const name = 'native engine';
  const { engine, reason } = loadNativeEngine({ retry: true });
  if (engine !== undefined) {
    return { name, ok: true, optional: true, detail: `${engine.file} loads (${engine.versions}, ${engine.threads} threads): the models train natively` };
  }
  const aptPackages = BUILD_NEEDS.filter(([, installed]) => !installed()).map(([pkg]) => pkg);
  return { name, ok: false, optional: true, detail: `not in use, the models train on wasm: ${reason}`, aptPackages };
}

/** make -C native; returns the error message when it fails. */
export function buildNativeEngine(): string | undefined {
  try {
    execFileSync('make', ['-C', path.join(REPO_ROOT, 'native')], { stdio: ['ignore', 'ignore', 'pipe'] });
    return undefined;
  } catch (err) {
    return `native engine build failed: ${(err as Error).message.split('\n').slice(0, 4).join(' | ')}`;
  }
}
