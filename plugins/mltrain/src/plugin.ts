import { mltrainConfigSchema } from './schema';

// The shared Serverless plugin every service loads. Each of its jobs (state machine generation,
// arm64 layers, EC2 resources) lives in its own file; this class only wires them to lifecycle hooks.

interface ServerlessLike {
  configSchemaHandler: { defineCustomProperties(schema: object): void };
  configurationInput: { custom?: { mltrain?: { framework?: string } } };
}

interface PluginUtils {
  log: { notice(msg: string): void; verbose(msg: string): void };
}

export class MltrainPlugin {
  readonly hooks: Record<string, () => void | Promise<void>>;

  constructor(serverless: ServerlessLike, _options: unknown, utils: PluginUtils) {
    serverless.configSchemaHandler.defineCustomProperties(mltrainConfigSchema);
    const framework = serverless.configurationInput.custom?.mltrain?.framework ?? 'unknown';
    this.hooks = {
      'before:package:initialize': () => utils.log.verbose(`mltrain: packaging the ${framework} service`),
    };
  }
}
