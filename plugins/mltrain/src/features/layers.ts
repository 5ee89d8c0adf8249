import path from 'node:path';
import { packageLayers } from '../layers';
import type { Feature } from './feature';
import { NODE_MODULES, REPO_ROOT } from './host';

// The arm64 layers (layers/<name>), attached to the functions that require them; the native
// engine's to the functions that load it, unless custom.mltrain.nativeLayer is false.
export const layersFeature: Feature = {
  name: 'layers',
  async layers(ctx) {
    await packageLayers(ctx.serverless, { layersDir: path.join(REPO_ROOT, 'layers'), nodeModulesDir: NODE_MODULES, log: (m) => ctx.notice(m),
      nativeLayer: ctx.resolved.nativeLayer });
  },
};
