import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { PS_PROTO_SOURCE } from '../../../plugins/mltrain/src/esbuild/copy-ps-proto';
import { CODE_CACHE_FOLDER, markBundleUsed, pruneBundleCache } from './bundle-cache-prune';
import { readYaml } from './service-definition';

// The local Lambda runs the same esbuild bundles `sls package` ships: the options come from
// serverless.base.yml's `esbuild` block (what serverless-esbuild reads), one build per handler
// file as serverless-esbuild does. A bundle is cached by the content of every file that went into
// it, so runs and tests reuse it until a source changes.

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const BUNDLE_CACHE_DIR = path.join(REPO_ROOT, '.esbuild', 'local');
/** V8's code cache of what sandboxes load at init (compile-cache.ts), keyed by file content. */
export const COMPILE_CACHE_DIR = path.join(BUNDLE_CACHE_DIR, CODE_CACHE_FOLDER);
/** serverless-esbuild's own settings, which it removes before calling esbuild. */
const PLUGIN_ONLY_KEYS = ['exclude', 'packager', 'plugins', 'concurrency', 'zipConcurrency', 'nativeZip', 'packagePath', 'keepOutputDirectory',
  'packagerOptions', 'installExtraArgs', 'outputFileExtension', 'outputBuildFolder', 'outputWorkFolder', 'nodeExternals', 'skipBuild',
  'skipRebuild', 'skipBuildExcludeFns', 'stripEntryResolveExtensions', 'disposeContext', 'watch'];

interface Manifest {
  /** Absolute path → sha256 of every file the bundle was built from (and the files copied beside it). */
  inputs: Record<string, string>;
  bundle: string;
}

let cachedOptions: { options: esbuild.BuildOptions; key: string } | undefined;

/** esbuild options as serverless-esbuild derives them from serverless.base.yml (plugins included). */
export function deployedBuildOptions(): { options: esbuild.BuildOptions; key: string } {
  if (cachedOptions) return cachedOptions;
  const settings = (readYaml(path.join(REPO_ROOT, 'serverless.base.yml')).esbuild ?? {}) as Record<string, unknown>;
  const rest = Object.fromEntries(Object.entries(settings).filter(([k]) => !PLUGIN_ONLY_KEYS.includes(k))) as esbuild.BuildOptions;
  const exclude = (settings.exclude as string[] | undefined) ?? [];
  // serverless.yml paths are relative to a service folder (services/<name>/).
  const pluginsFile = typeof settings.plugins === 'string' ? path.resolve(REPO_ROOT, 'services', 'service', settings.plugins) : undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const plugins = pluginsFile ? (require(pluginsFile) as esbuild.Plugin[]) : [];
  const options: esbuild.BuildOptions = { ...rest, external: [...(rest.external ?? []), ...exclude], plugins };
  const key = sha256(JSON.stringify({ rest, exclude, plugins: plugins.map((p) => p.name), esbuild: esbuild.version }));
  cachedOptions = { options, key };
  return cachedOptions;
}

/** The bundle of `entry` (a .ts file): from the cache when no input changed, else built now. */
export async function bundleEntry(entry: string, cacheDir = BUNDLE_CACHE_DIR): Promise<string> {
  const { options, key } = deployedBuildOptions();
  const manifestFile = path.join(cacheDir, 'manifests', `${sha256(`${key}\n${path.resolve(entry)}`)}.json`);
  const cached = readManifest(manifestFile);
  if (cached && upToDate(cached)) {
    markBundleUsed(cached.bundle);
    return cached.bundle;
  }

  const tmp = path.join(cacheDir, `tmp-${randomBytes(6).toString('hex')}`);
  try {
    const result = await esbuild.build({ ...options, entryPoints: [entry], outdir: tmp, absWorkingDir: REPO_ROOT, metafile: true, logLevel: 'silent' });
    const inputs = hashFiles(Object.keys(result.metafile!.inputs).map((f) => path.resolve(REPO_ROOT, f)).filter((f) => !f.includes(':')));
    if (existsSync(path.join(tmp, path.basename(PS_PROTO_SOURCE)))) Object.assign(inputs, hashFiles([PS_PROTO_SOURCE]));
    // Same inputs, same folder: builds racing in parallel test workers end with one copy.
    const dir = path.join(cacheDir, sha256(`${key}\n${entry}\n${JSON.stringify(Object.entries(inputs).sort())}`).slice(0, 24));
    if (!existsSync(dir)) {
      try {
        renameSync(tmp, dir);
      } catch {
        // another process renamed the same content first
      }
    }
    const manifest: Manifest = { inputs, bundle: path.join(dir, `${path.basename(entry, path.extname(entry))}.js`) };
    mkdirSync(path.dirname(manifestFile), { recursive: true });
    const partial = `${manifestFile}.${randomBytes(4).toString('hex')}`;
    writeFileSync(partial, JSON.stringify(manifest));
    renameSync(partial, manifestFile);
    markBundleUsed(manifest.bundle);
    pruneBundleCache(cacheDir); // a new build is when old ones become stale
    return manifest.bundle;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Bundles several entries at once; a failure is reported per entry (a broken handler fails its invocations only). */
export async function bundleEntries(entries: string[], cacheDir = BUNDLE_CACHE_DIR): Promise<Map<string, { bundle?: string; error?: string }>> {
  const unique = [...new Set(entries)];
  const results = await Promise.all(unique.map((e) => bundleEntry(e, cacheDir).then((bundle) => ({ bundle }), (err: Error) => ({ error: buildErrorText(err) }))));
  return new Map(unique.map((e, i) => [e, results[i]]));
}

function buildErrorText(err: Error): string {
  const errors = (err as Partial<esbuild.BuildFailure>).errors;
  if (!errors?.length) return err.message;
  return errors.slice(0, 3).map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`).join('; ');
}

function readManifest(file: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

function upToDate(manifest: Manifest): boolean {
  if (!existsSync(manifest.bundle)) return false;
  return Object.entries(manifest.inputs).every(([file, hash]) => {
    try {
      return sha256(readFileSync(file)) === hash;
    } catch {
      return false;
    }
  });
}

function hashFiles(files: string[]): Record<string, string> {
  return Object.fromEntries(files.map((f) => [f, sha256(readFileSync(f))]));
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
