/**
 * Builds and checks the native engine's arm64 Lambda layer (native-layer.json): cross-compiles it
 * (make -C native arm64), checks every file against Amazon Linux 2023's glibc and libstdc++ (the
 * versioned symbols objdump -T lists), zips it deterministically and checks its budget and Lambda's
 * limits. Unzipped under /opt: the addon in /opt/native, its libraries in /opt/lib (on Lambda's
 * library path, and on the addon's rpath).
 *
 *   node --import tsx layers/native/pack.ts [out.zip]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { formatBytes, LAMBDA_LIMITS } from '../../plugins/mltrain/src/layers/limits';
import { writeDeterministicZip, type ZipSizes } from '../../plugins/mltrain/src/layers/zip';

const REPO = path.resolve(__dirname, '..', '..');

export interface NativeLayerDeclaration {
  description: string;
  licenseInfo: string;
  from: string;
  files: string[];
  maxGlibc: string;
  maxGlibcxx: string;
  budget: { zippedMb: number; unzippedMb: number };
}

export function loadNativeLayerDeclaration(): NativeLayerDeclaration {
  return JSON.parse(readFileSync(path.join(__dirname, 'native-layer.json'), 'utf8')) as NativeLayerDeclaration;
}

function versionParts(version: string): number[] {
  return version.split('.').map(Number);
}

function newer(a: string, b: string): boolean {
  const [x, y] = [versionParts(a), versionParts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  return false;
}

/** The versioned glibc / libstdc++ symbols a file needs that are newer than the declaration allows. */
export function tooNewSymbols(file: string, decl: NativeLayerDeclaration): string[] {
  const table = execFileSync('aarch64-linux-gnu-objdump', ['-T', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const needed = new Set(table.split('\n').filter((l) => l.includes('*UND*')).flatMap((l) => l.match(/\((GLIBC(XX)?_[0-9.]+)\)/)?.[1] ?? []));
  return [...needed].filter((v) => {
    const [lib, version] = v.split('_');
    return newer(version, lib === 'GLIBC' ? decl.maxGlibc : decl.maxGlibcxx);
  });
}

/** Builds, checks and zips the layer; throws naming what breaks a limit. */
export function packNativeLayer(outFile: string): ZipSizes & { files: Array<{ name: string; bytes: number }> } {
  const decl = loadNativeLayerDeclaration();
  // Under a lock: packagings running at once (test files, services) would otherwise copy the same
  // libraries over each other while one of them zips them.
  const buildDir = path.join(REPO, 'native', 'build');
  mkdirSync(buildDir, { recursive: true });
  execFileSync('flock', [path.join(buildDir, '.arm64.lock'), 'make', '-C', path.join(REPO, 'native'), 'arm64'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const root = path.join(REPO, decl.from);
  const files = decl.files.map((name) => ({ name, bytes: statSync(path.join(root, name)).size }));
  for (const { name } of files) {
    const bad = tooNewSymbols(path.join(root, name), decl);
    if (bad.length > 0) throw new Error(`native layer: ${name} needs ${bad.join(', ')}, newer than Amazon Linux 2023 has (GLIBC_${decl.maxGlibc}, GLIBCXX_${decl.maxGlibcxx})`);
  }
  const sizes = writeDeterministicZip(outFile, decl.files.map((name) => ({ name, source: path.join(root, name) })));
  const mb = 1024 * 1024;
  if (sizes.zippedBytes > decl.budget.zippedMb * mb || sizes.unzippedBytes > decl.budget.unzippedMb * mb) {
    throw new Error(`native layer: ${formatBytes(sizes.zippedBytes)} zipped / ${formatBytes(sizes.unzippedBytes)} unzipped exceeds its budget ${decl.budget.zippedMb} / ${decl.budget.unzippedMb} MB`);
  }
  if (sizes.zippedBytes > LAMBDA_LIMITS.zippedDirectUploadBytes) throw new Error(`native layer: ${formatBytes(sizes.zippedBytes)} zipped exceeds Lambda's 50 MB`);
  return { ...sizes, files };
}

if (require.main === module) {
  const out = process.argv[2] ?? path.join(REPO, 'native', 'build', 'arm64', 'layer-native.zip');
  const result = packNativeLayer(out);
  for (const f of result.files) console.log(`  ${f.name}  ${formatBytes(f.bytes)}`);
  console.log(`${out}: ${formatBytes(result.zippedBytes)} zipped, ${formatBytes(result.unzippedBytes)} unzipped (Lambda: 250 MB unzipped for a function and all its layers)`);
}
