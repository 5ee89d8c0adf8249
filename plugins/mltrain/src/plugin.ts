import path from 'node:path';
import { ExtraArtifacts } from './artifacts';
import { addGeneratedConfiguration, type CompilingServerless } from './compile-generated';
import { addPeerDatabases, type CompiledTemplate } from './ec2';
import type { PeerDatabasesConfig } from './ec2/peer-databases';
import { mltrainConfigSchema } from './schema';
import { injectStateMachine, type StateMachineConfig } from './state-machines';

// The shared Serverless plugin every service loads. Each of its jobs (state machine generation,
// arm64 layers, EC2 resources) lives in its own file; this class only wires them to lifecycle hooks.

interface MltrainConfig {
  framework?: string;
  stateMachine?: StateMachineConfig;
  peerDatabases?: PeerDatabasesConfig;
}

interface AwsProvider {
  naming: { getLambdaLogicalId(functionKey: string): string };
  getAwsSdkV3Config?(): Record<string, unknown>;
  getServerlessDeploymentBucketName?(): Promise<string>;
}

interface ServerlessLike {
  configSchemaHandler: { defineCustomProperties(schema: object): void };
  configurationInput: { custom?: { mltrain?: MltrainConfig } };
  extendConfiguration(path: string[], value: unknown): void;
  getProvider(name: 'aws'): AwsProvider;
  serviceDir: string;
  service: {
    service: string;
    provider: { stage?: string; compiledCloudFormationTemplate: CompiledTemplate };
    package: { artifactDirectoryName: string; path?: string };
  };
}

interface PluginUtils {
  log: { notice(msg: string): void; verbose(msg: string): void };
}

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export class MltrainPlugin {
  readonly hooks: Record<string, () => void | Promise<void>>;
  private readonly artifacts = new ExtraArtifacts();

  constructor(private readonly serverless: ServerlessLike, private readonly options: { param?: string[]; stage?: string; package?: string }, utils: PluginUtils) {
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
      'package:compileEvents': () => {
        const added = addGeneratedConfiguration(serverless as unknown as CompilingServerless);
        if (added.resources) utils.log.verbose(`mltrain: generated ${added.resources} resources and ${added.variables} environment variables`);
        if (!mltrain?.peerDatabases) return;
        const peers = addPeerDatabases(this.template(), mltrain.peerDatabases, options.param, this.names(), this.artifacts);
        utils.log.notice(`mltrain: ${peers} peer databases (EC2, Redis with the tensor module)`);
      },
      'after:package:finalize': () => this.artifacts.copyInto(this.packageDir()),
      'after:aws:deploy:deploy:uploadArtifacts': () => this.uploadArtifacts(),
    };
  }

  private template(): CompiledTemplate {
    return this.serverless.service.provider.compiledCloudFormationTemplate;
  }

  private packageDir(): string {
    return path.resolve(this.serverless.serviceDir, this.options.package ?? this.serverless.service.package.path ?? '.serverless');
  }

  private names() {
    return {
      service: this.serverless.service.service,
      stage: this.options.stage ?? this.serverless.service.provider.stage ?? 'dev',
      artifactDirectoryName: this.serverless.service.package.artifactDirectoryName,
      repoRoot: REPO_ROOT,
      packageDir: this.packageDir(),
    };
  }

  private async uploadArtifacts(): Promise<void> {
    if (this.artifacts.list.length === 0) return;
    const provider = this.serverless.getProvider('aws');
    await this.artifacts.upload(this.packageDir(), {
      bucket: await provider.getServerlessDeploymentBucketName!(),
      artifactDirectoryName: this.serverless.service.package.artifactDirectoryName,
      sdkConfig: provider.getAwsSdkV3Config?.() ?? {},
    });
  }
}
