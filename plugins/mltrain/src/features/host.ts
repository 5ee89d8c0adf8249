import path from 'node:path';
import type { ExtraArtifacts } from '../artifacts';
import type { DeployHost } from '../artifacts/upload';
import type { ChannelConfig } from '../channels';
import type { CompiledTemplate } from '../ec2';
import type { GpuInstanceConfig } from '../ec2/gpu-instance';
import type { ParameterServerConfig } from '../ec2/parameter-server';
import type { PeerDatabasesConfig } from '../ec2/peer-databases';
import { packagingDir, type LayerHost } from '../layers';
import type { InterfaceEndpointService } from '../network';
import type { StateMachineConfig } from '../state-machines';

// What every feature module of the plugin sees: Serverless (as much of it as they use), the
// command's options, logging, and the service's names and compiled template.

export interface MltrainConfig {
  framework?: string;
  stateMachine?: StateMachineConfig;
  peerDatabases?: PeerDatabasesConfig;
  vpc?: boolean | { interfaceEndpoints?: InterfaceEndpointService[]; cidr?: string };
  gpuInstance?: GpuInstanceConfig;
  emptyOnRemove?: string[];
  parameterServer?: Partial<ParameterServerConfig>;
  channel?: ChannelConfig;
  mlless?: Record<string, unknown>;
  nativeLayer?: boolean;
}

interface AwsProvider {
  naming: { getLambdaLogicalId(functionKey: string): string; getLambdaLayerLogicalId(name: string): string };
  getStage(): string;
  getAwsSdkV3Config?(): Record<string, unknown>;
  getServerlessDeploymentBucketName?(): Promise<string>;
}

export interface ServerlessLike extends LayerHost {
  classes: { Error: new (message: string, code: string) => Error };
  configSchemaHandler: { defineCustomProperties(schema: object): void };
  configurationInput: { custom?: { mltrain?: MltrainConfig }; provider?: { vpc?: unknown }; params?: Record<string, Record<string, unknown> | undefined> };
  extendConfiguration(path: string[], value: unknown): void;
  getProvider(name: 'aws'): AwsProvider;
  pluginManager: DeployHost['pluginManager'];
  serviceDir: string;
  service: LayerHost['service'] & {
    custom?: { mltrain?: MltrainConfig };
    provider: LayerHost['service']['provider'] & {
      stage: string;
      logRetentionInDays?: number;
      compiledCloudFormationTemplate: CompiledTemplate & { Parameters?: Record<string, unknown> };
    };
  };
}

export interface PluginOptions {
  param?: string[];
  stage?: string;
  package?: string;
}

export interface PluginUtils {
  log: { notice(msg: string): void; verbose(msg: string): void };
}

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const NODE_MODULES = path.join(REPO_ROOT, 'node_modules');

export class FeatureContext {
  /** What a feature settles while the plugin loads, for its later hooks. */
  readonly loaded = new Map<string, unknown>();

  constructor(
    readonly serverless: ServerlessLike, readonly options: PluginOptions, private readonly utils: PluginUtils, readonly artifacts: ExtraArtifacts,
  ) {}

  notice(msg: string): void {
    this.utils.log.notice(`mltrain: ${msg}`);
  }

  verbose(msg: string): void {
    this.utils.log.verbose(`mltrain: ${msg}`);
  }

  /** custom.mltrain as written (before Serverless resolves variables): for load-time features. */
  get written(): MltrainConfig | undefined {
    return this.serverless.configurationInput.custom?.mltrain;
  }

  /** custom.mltrain with every variable resolved: for the packaging hooks. */
  get resolved(): MltrainConfig {
    return this.serverless.service.custom?.mltrain ?? {};
  }

  get template(): CompiledTemplate & { Parameters?: Record<string, unknown> } {
    return this.serverless.service.provider.compiledCloudFormationTemplate;
  }

  get stage(): string {
    return this.options.stage ?? this.serverless.service.provider.stage ?? 'dev';
  }

  get packageDir(): string {
    return path.resolve(this.serverless.serviceDir, this.options.package ?? this.serverless.service.package.path ?? '.serverless');
  }

  names() {
    return {
      service: this.serverless.service.service,
      stage: this.stage,
      artifactDirectoryName: this.serverless.service.package.artifactDirectoryName!,
      repoRoot: REPO_ROOT,
      packageDir: packagingDir(this.serverless),
    };
  }
}
