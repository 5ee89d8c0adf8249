import { closeSync, existsSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import type { LayerDeclaration } from './declaration';

// What goes into a layer: exactly the files Node loads when a handler requires the declared
// packages (found by letting esbuild resolve the require graph, as Node would: main fields, nested
// node_modules), the package.json files Node reads on the way, the packages' licences and the
// declared run-time assets. Source maps, tests, docs, type declarations and the browser/ESM
// builds are never reached, so they stay out without a list of exclusions to maintain.

export interface LayerFile {
  /** Path under node_modules, with forward slashes. */
  rel: string;
  abs: string;
  size: number;
  /** The package it belongs to (path under node_modules, e.g. @tensorflow/tfjs-core/node_modules/long). */
  pkg: string;
}

export interface LayerContents {
  files: LayerFile[];
  packages: string[];
  /** Top-level package names a require() can name and find here. */
  provides: string[];
  /** Size of the same packages as installed, for the trimming report. */
  installedBytes: number;
  /** Why an optional native package stayed out. */
  notes: string[];
}

const LICENSE = /^(licen[cs]e|copying|notice)(\.|$)/i;
const NATIVE = /\.node$|\.so(\.\d+)*$/;
const ELF_MACHINE_AARCH64 = 0xb7;

export async function resolveLayerContents(decl: LayerDeclaration, nodeModulesDir: string): Promise<LayerContents> {
  if (!existsSync(nodeModulesDir)) throw new Error(`layer ${decl.name}: no node_modules at ${nodeModulesDir}`);
  const root = realpathSync(nodeModulesDir);
  const files = new Map<string, LayerFile>();
  const add = (abs: string) => {
    const rel = toRel(root, abs, decl.name);
    if (!files.has(rel)) files.set(rel, { rel, abs, size: statSync(abs).size, pkg: packageOf(rel) });
  };

  const notes: string[] = [];
  const natives = decl.nativeWhenArm64.filter((pkg) => {
    const why = arm64NativeProblem(path.join(root, pkg));
    if (why) notes.push(`${pkg} not included: ${why}`);
    return why === undefined;
  });
  const entries = [...decl.packages, ...natives];
  for (const pkg of entries) {
    if (!existsSync(path.join(root, pkg, 'package.json'))) throw new Error(`layer ${decl.name}: package ${pkg} is not installed in ${nodeModulesDir}`);
  }
  const cwd = path.dirname(root);
  const result = await build({
    stdin: { contents: entries.map((p) => `require(${JSON.stringify(p)});`).join('\n'), resolveDir: cwd, loader: 'js' },
    absWorkingDir: cwd, bundle: true, platform: 'node', format: 'cjs', write: false, metafile: true, logLevel: 'silent',
    external: ['*.node'], outfile: path.join(cwd, 'layer-closure.js'),
  });
  for (const input of Object.keys(result.metafile.inputs)) {
    if (input !== '<stdin>') add(path.resolve(cwd, input));
  }
  for (const pkg of natives) walk(path.join(root, pkg)).filter((f) => NATIVE.test(f)).forEach(add);
  for (const [pkg, assets] of Object.entries(decl.assets)) {
    for (const asset of assets) {
      const abs = path.join(root, pkg, asset);
      if (!existsSync(abs)) throw new Error(`layer ${decl.name}: asset ${pkg}/${asset} does not exist in ${nodeModulesDir}`);
      add(abs);
    }
  }
  // Node reads the nearest package.json of every file it loads (main, type); licences travel along.
  const packages = [...new Set([...files.values()].map((f) => f.pkg))].sort();
  for (const file of [...files.values()]) {
    for (let dir = path.dirname(file.abs); dir.startsWith(path.join(root, file.pkg)); dir = path.dirname(dir)) {
      if (existsSync(path.join(dir, 'package.json'))) add(path.join(dir, 'package.json'));
    }
  }
  for (const pkg of packages) {
    readdirSync(path.join(root, pkg)).filter((f) => LICENSE.test(f)).forEach((f) => add(path.join(root, pkg, f)));
  }
  const installedBytes = packages.reduce((sum, pkg) => sum + walk(path.join(root, pkg), true).reduce((s, f) => s + statSync(f).size, 0), 0);
  return {
    files: [...files.values()].sort((a, b) => a.rel.localeCompare(b.rel)),
    packages,
    provides: packages.filter((p) => !p.includes('/node_modules/')),
    installedBytes,
    notes,
  };
}

/** Why a native package cannot go into an arm64 layer, or undefined when it can. */
export function arm64NativeProblem(packageDir: string): string | undefined {
  if (!existsSync(path.join(packageDir, 'package.json'))) return 'not installed';
  const binaries = walk(packageDir).filter((f) => f.endsWith('.node'));
  if (binaries.length === 0) return 'no prebuilt binary installed (its install script downloads one, which needs network access)';
  const foreign = binaries.filter((f) => elfMachine(f) !== ELF_MACHINE_AARCH64);
  if (foreign.length) return `its binary ${path.relative(packageDir, foreign[0])} is not built for linux-arm64`;
  return undefined;
}

function elfMachine(file: string): number | undefined {
  const header = Buffer.alloc(20);
  const fd = openSync(file, 'r');
  try {
    if (readSync(fd, header, 0, 20, 0) < 20) return undefined;
  } finally {
    closeSync(fd);
  }
  if (header.readUInt32BE(0) !== 0x7f454c46) return undefined; // "\x7fELF"
  return header[5] === 1 ? header.readUInt16LE(18) : header.readUInt16BE(18);
}

function toRel(root: string, abs: string, layer: string): string {
  const rel = path.relative(root, abs);
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`layer ${layer} needs ${abs}, which is outside ${root}`);
  return rel.split(path.sep).join('/');
}

/** @scope/name or name, including the nested node_modules path it sits in. */
export function packageOf(rel: string): string {
  const parts = rel.split('/');
  let end = 0;
  for (let i = 0; i < parts.length; i++) {
    if (i === 0 || parts[i - 1] === 'node_modules') end = i + (parts[i].startsWith('@') ? 2 : 1);
  }
  return parts.slice(0, end).join('/');
}

/** Every file under dir; without nested node_modules when asked (they are separate packages). */
function walk(dir: string, skipNodeModules = false): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!(skipNodeModules && entry.name === 'node_modules')) out.push(...walk(full, skipNodeModules));
    } else if (entry.isFile()) {
      out.push(full);
    }
  }
  return out;
}
