import { ExtraArtifacts } from './artifacts';
import type { Phase } from './features/feature';
import { FeatureContext, type PluginOptions, type PluginUtils, type ServerlessLike } from './features/host';
import { FEATURES } from './features/registry';
import { mltrainConfigSchema } from './schema';

// The shared Serverless plugin every service loads. Each job (parameters, state machine, channel,
// network, layers, instances, cleanup, artifacts) is a feature module of one shape
// (features/feature.ts), registered in order in features/registry.ts; this class only wires them
// to Serverless's lifecycle hooks.

export class MltrainPlugin {
  readonly hooks: Record<string, () => Promise<void>>;

  constructor(serverless: ServerlessLike, options: PluginOptions, utils: PluginUtils) {
    serverless.configSchemaHandler.defineCustomProperties(mltrainConfigSchema);
    const ctx = new FeatureContext(serverless, options, utils, new ExtraArtifacts());
    // Load-time work must happen before Serverless and the other plugins read the configuration.
    for (const feature of FEATURES) feature.load?.(ctx);
    const run = (phase: Phase) => async () => {
      for (const feature of FEATURES) await feature[phase]?.(ctx);
    };
    this.hooks = {
      'after:package:compileLayers': run('layers'),
      'package:compileEvents': run('compile'),
      'after:package:finalize': run('finalize'),
      'after:aws:deploy:deploy:uploadArtifacts': run('upload'),
    };
  }
}
