import { mltrainConfigSchema } from './schema';
import { injectStateMachine, type StateMachineConfig } from './state-machines';

// The shared Serverless plugin every service loads. Each of its jobs (state machine generation,
// arm64 layers, EC2 resources) lives in its own file; this class only wires them to lifecycle hooks.

interface ServerlessLike {
  configSchemaHandler: { defineCustomProperties(schema: object): void };
  configurationInput: { custom?: { mltrain?: { framework?: string; stateMachine?: StateMachineConfig } } };
  extendConfiguration(path: string[], value: unknown): void;
  getProvider(name: 'aws'): { naming: { getLambdaLogicalId(functionKey: string): string } };
}

interface PluginUtils {
  log: { notice(msg: string): void; verbose(msg: string): void };
}

export class MltrainPlugin {
  readonly hooks: Record<string, () => void | Promise<void>>;

  constructor(serverless: ServerlessLike, options: { param?: string[] }, utils: PluginUtils) {
    serverless.configSchemaHandler.defineCustomProperties(mltrainConfigSchema);
    const mltrain = serverless.configurationInput.custom?.mltrain;
    const framework = mltrain?.framework ?? 'unknown';
    // State machines must exist before serverless-step-functions reads the configuration.
    const batches = mltrain?.stateMachine ? injectStateMachine(serverless, mltrain.stateMachine, options.param) : undefined;
    this.hooks = {
      'before:package:initialize': () => {
        utils.log.verbose(`mltrain: packaging the ${framework} service`);
        if (batches !== undefined) utils.log.notice(`mltrain: state machine generated for ${batches} parallel batches`);
      },
    };
  }
}
