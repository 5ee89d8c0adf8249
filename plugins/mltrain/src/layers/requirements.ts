import { builtinModules } from 'node:module';
import { NATIVE_ENGINE_MARKER } from './native';
import { readZipEntry, zipEntrySizes } from './zip';

// Which packages a packaged handler needs from outside its own zip: the literal require()s that
// esbuild left in its bundle (every excluded package), minus Node's built-ins, what the Lambda
// runtime provides (AWS SDK v3) and what the zip itself ships in node_modules.

const BUILTINS = new Set(builtinModules);
const RUNTIME_PROVIDED = [/^@aws-sdk\//];
const REQUIRE = /\brequire\(\s*["']([^"'./][^"']*)["']\s*\)/g;

export interface FunctionRequirements {
  fn: string;
  /** Packages the bundle requires that neither Node, the runtime nor the zip provide. */
  packages: string[];
  /** Uncompressed size of the zip's entries (all of it is deployed with the function). */
  entries: Map<string, number>;
  /** The bundle loads the native engine (it computes gradients or evaluates models). */
  usesNativeEngine: boolean;
}

/** The package a module specifier names: @scope/name/sub → @scope/name, name/sub → name. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

export function bundleRequires(bundle: string): string[] {
  const found = new Set<string>();
  for (const m of bundle.matchAll(REQUIRE)) {
    const spec = m[1];
    if (spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(packageName(spec))) continue;
    found.add(packageName(spec));
  }
  return [...found].sort();
}

/** Reads the handler's bundle in the function's zip (serverless-esbuild keeps the handler's path). */
export function functionRequirements(fn: string, artifactZip: string, handler: string): FunctionRequirements {
  const file = `${handler.slice(0, handler.lastIndexOf('.'))}.js`;
  const bundle = readZipEntry(artifactZip, file);
  if (bundle === undefined) throw new Error(`function ${fn}: its zip ${artifactZip} has no ${file} for handler ${handler}`);
  const entries = zipEntrySizes(artifactZip);
  const shipped = (pkg: string) => entries.has(`node_modules/${pkg}/package.json`);
  const packages = bundleRequires(bundle).filter((pkg) => !RUNTIME_PROVIDED.some((re) => re.test(`${pkg}/`)) && !shipped(pkg));
  return { fn, packages, entries, usesNativeEngine: bundle.includes(NATIVE_ENGINE_MARKER) };
}
