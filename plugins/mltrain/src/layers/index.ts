import path from 'node:path';
import { resolveLayerContents, type LayerContents } from './closure';
import { loadLayerDeclarations, type LayerDeclaration } from './declaration';
import { checkFunctionSize, checkLayerSize, contributorsBy, formatBytes, LAMBDA_LIMITS, type LayerSize } from './limits';
import { declareLayerVersion } from './layer-version';
import { buildNativeLayer } from './native';
import { functionRequirements, type FunctionRequirements } from './requirements';
import { writeDeterministicZip } from './zip';

// The arm64 layers: after the handlers are bundled and zipped, find which packages each bundle
// requires from outside (serverless-esbuild's `exclude`), build the declared layers that provide
// them (layers/<name>/layer.json) as zips beside the function artifacts, check them against
// Lambda's limits, declare an AWS::Lambda::LayerVersion for each and attach it to exactly the
// functions that need it. osls's own `layers:` would ask CloudFormation for the previous stack
// while packaging; this needs nothing but the files here, so `sls package` stays offline.

/** The parts of the Serverless instance this module uses. */
export interface LayerHost {
  serviceDir: string;
  service: {
    service: string;
    provider: {
      stage: string;
      runtime?: string;
      architecture?: string;
      layers?: unknown[];
      compiledCloudFormationTemplate: { Resources: Record<string, unknown>; Outputs?: Record<string, unknown> };
    };
    package: { artifact?: string; artifactDirectoryName?: string; deploymentBucket?: string; path?: string };
    getAllFunctions(): string[];
    getFunction(name: string): { handler?: string; image?: unknown; layers?: unknown[]; package?: { artifact?: string } };
  };
  getProvider(name: 'aws'): { naming: { getLambdaLayerLogicalId(name: string): string }; getStage(): string };
}

export interface LayersOptions {
  /** layers/ with the declarations. */
  layersDir: string;
  /** node_modules the layer files come from (tfjs and its wasm files are platform-independent). */
  nodeModulesDir: string;
  log: (message: string) => void;
  /** false: leave the native engine's layer out (its functions then run on wasm). */
  nativeLayer?: boolean;
}

export interface BuiltLayer {
  name: string;
  logicalId: string;
  artifact: string;
  size: LayerSize;
  functions: string[];
}

export { ARTIFACT_METADATA_KEY } from './layer-version';

export async function packageLayers(host: LayerHost, opts: LayersOptions): Promise<BuiltLayer[]> {
  const service = host.service;
  const needs = service.getAllFunctions()
    .map((fn) => ({ fn, obj: service.getFunction(fn) }))
    .filter(({ obj }) => !obj.image && obj.handler)
    .map(({ fn, obj }) => functionRequirements(fn, artifactOf(host, obj), obj.handler!));
  if (needs.every((n) => n.packages.length === 0 && !n.usesNativeEngine)) return [];

  const declarations = loadLayerDeclarations(opts.layersDir);
  const contents = new Map<string, LayerContents>();
  for (const decl of declarations) contents.set(decl.name, await resolveLayerContents(decl, opts.nodeModulesDir));
  const assignment = assignLayers(needs, declarations, contents);

  const built: BuiltLayer[] = [];
  for (const decl of declarations.filter((d) => assignment.some((a) => a.layers.includes(d.name)))) {
    const layer = buildLayer(host, decl, contents.get(decl.name)!, opts);
    layer.functions = assignment.filter((a) => a.layers.includes(decl.name)).map((a) => a.fn);
    built.push(layer);
  }
  const native = attachNativeLayer(host, needs, assignment, opts);
  if (native !== undefined) built.push(native);
  for (const { fn, layers } of assignment) {
    if (layers.length === 0) continue;
    const obj = service.getFunction(fn);
    const mine = built.filter((b) => layers.includes(b.name));
    obj.layers = [...(obj.layers ?? service.provider.layers ?? []), ...mine.map((b) => ({ Ref: b.logicalId }))];
    const need = needs.find((n) => n.fn === fn)!;
    const code = contributorsBy([...need.entries], ([name]) => name.split('/').slice(0, 2).join('/'), ([, size]) => size);
    const total = checkFunctionSize(fn, code, mine.map((b) => b.size));
    const codeBytes = code.reduce((s, c) => s + c.bytes, 0);
    opts.log(`function ${fn}: layers ${layers.join(', ')}; code ${formatBytes(codeBytes)} + layers ${formatBytes(total - codeBytes)} = ${formatBytes(total)} unzipped (Lambda limit ${formatBytes(LAMBDA_LIMITS.unzippedFunctionAndLayersBytes)})`);
  }
  return built;
}

/** Each function gets the layers that provide what its bundle requires; anything unprovided is an error. */
export function assignLayers(needs: FunctionRequirements[], declarations: LayerDeclaration[], contents: Map<string, LayerContents>): { fn: string; layers: string[] }[] {
  return needs.map(({ fn, packages }) => {
    const layers = new Set<string>();
    for (const pkg of packages) {
      const provider = declarations.find((d) => contents.get(d.name)!.provides.includes(pkg));
      if (!provider) {
        throw new Error(`function ${fn} requires ${pkg}, which its bundle leaves out (custom.esbuild.exclude) and no layer under layers/ provides: `
          + 'bundle it (remove it from exclude) or declare a layer that provides it');
      }
      layers.add(provider.name);
    }
    return { fn, layers: [...layers].sort() };
  });
}

function artifactOf(host: LayerHost, obj: { package?: { artifact?: string } }): string {
  const artifact = obj.package?.artifact ?? host.service.package.artifact;
  if (!artifact) throw new Error('mltrain layers: the functions have no packaged artifact yet (is serverless-esbuild listed in plugins?)');
  return path.resolve(host.serviceDir, artifact);
}

/** Where osls keeps artifacts while packaging (moved to --package <dir> at the end). */
export function packagingDir(host: { serviceDir: string; service: { package: { path?: string } } }): string {
  return host.service.package.path ? path.resolve(host.serviceDir, host.service.package.path) : path.join(host.serviceDir, '.serverless');
}

/**
 * The native engine's prebuilt layer (layers/native/, native/build/arm64/layer) for the functions
 * whose bundle loads the engine: added to their assignment, built by make when out of date.
 */
function attachNativeLayer(host: LayerHost, needs: FunctionRequirements[], assignment: { fn: string; layers: string[] }[], opts: LayersOptions): BuiltLayer | undefined {
  const users = needs.filter((n) => n.usesNativeEngine).map((n) => n.fn);
  if (users.length === 0 || opts.nativeLayer === false) return undefined;
  const layer = buildNativeLayer(host, packagingDir(host), opts.log);
  layer.functions = users;
  for (const a of assignment) if (users.includes(a.fn)) a.layers = [...a.layers, layer.name].sort();
  return layer;
}

function buildLayer(host: LayerHost, decl: LayerDeclaration, contents: LayerContents, opts: LayersOptions): BuiltLayer {
  const artifact = `layer-${decl.name}.zip`;
  const sizes = writeDeterministicZip(path.join(packagingDir(host), artifact),
    contents.files.map((f) => ({ name: `nodejs/node_modules/${f.rel}`, source: f.abs })));
  const size: LayerSize = {
    layer: decl.name, ...sizes, budget: decl.budget, contributors: contributorsBy(contents.files, (f) => f.pkg, (f) => f.size),
  };
  checkLayerSize(size);
  opts.log(`layer ${decl.name}: ${formatBytes(sizes.zippedBytes)} zipped, ${formatBytes(sizes.unzippedBytes)} unzipped `
    + `(${contents.files.length} files from ${contents.packages.length} packages, trimmed from ${formatBytes(contents.installedBytes)} installed); `
    + `budget ${decl.budget.zippedMb} / ${decl.budget.unzippedMb} MB, Lambda limits ${formatBytes(LAMBDA_LIMITS.zippedDirectUploadBytes)} zipped, `
    + `${formatBytes(LAMBDA_LIMITS.unzippedFunctionAndLayersBytes)} unzipped with the function`);
  for (const note of contents.notes) opts.log(`layer ${decl.name}: ${note}`);

  const logicalId = declareLayerVersion(host, { name: decl.name, description: decl.description, licenseInfo: decl.licenseInfo }, artifact);
  return { name: decl.name, logicalId, artifact, size, functions: [] };
}
