import path from 'node:path';
import { loadNativeLayerDeclaration, packNativeLayer } from '../../../../layers/native/pack';
import type { BuiltLayer, LayerHost } from './index';
import { declareLayerVersion } from './layer-version';
import { formatBytes } from './limits';

// The native engine's layer is prebuilt (cross-compiled C++ and Debian's arm64 libraries), not
// gathered from npm packages: layers/native/pack.ts builds it (make: nothing to do when it is up to
// date), checks it against Amazon Linux 2023's glibc and its budget and zips it. Bundles that load
// the engine contain its addon's file name (lib/ml/native/addon.ts); those functions get the layer.

/** In a bundle exactly when it contains the native engine's loader. */
export const NATIVE_ENGINE_MARKER = 'mltrain_native.node';
export const NATIVE_LAYER_NAME = 'native';

const ARM64_TOOLS = 'g++-aarch64-linux-gnu, libdnnl2:arm64 and libopenblas-dev:arm64 (dpkg --add-architecture arm64; see docs/native-engine.md)';

export function buildNativeLayer(host: LayerHost, outDir: string, log: (message: string) => void): BuiltLayer {
  const artifact = `layer-${NATIVE_LAYER_NAME}.zip`;
  const decl = loadNativeLayerDeclaration();
  let packed: ReturnType<typeof packNativeLayer>;
  try {
    packed = packNativeLayer(path.join(outDir, artifact));
  } catch (error) {
    const why = String((error as Error).message ?? error).split('\n')[0];
    throw new Error(`layer ${NATIVE_LAYER_NAME}: cannot build the native engine for arm64 (${why}); install ${ARM64_TOOLS}, `
      + 'or set custom.mltrain.nativeLayer: false to package without it (the functions then train on wasm)');
  }
  log(`layer ${NATIVE_LAYER_NAME}: ${formatBytes(packed.zippedBytes)} zipped, ${formatBytes(packed.unzippedBytes)} unzipped `
    + `(${packed.files.map((f) => path.basename(f.name)).join(', ')}); budget ${decl.budget.zippedMb} / ${decl.budget.unzippedMb} MB`);
  const logicalId = declareLayerVersion(host, { name: NATIVE_LAYER_NAME, description: decl.description, licenseInfo: decl.licenseInfo }, artifact);
  const size = {
    layer: NATIVE_LAYER_NAME, zippedBytes: packed.zippedBytes, unzippedBytes: packed.unzippedBytes, budget: decl.budget,
    contributors: packed.files.map((f) => ({ name: f.name, bytes: f.bytes })),
  };
  return { name: NATIVE_LAYER_NAME, logicalId, artifact, size, functions: [] };
}
