import path from 'node:path';
import { buildGpuTrainerBundle } from '../../../gpu/bundle';
import { ExtraArtifacts } from './artifacts';
import { uploadExtraArtifacts, type DeployHost } from './artifacts/upload';
import { deleteBeforeEmptying, emptyBucketResources } from './cleanup/empty-buckets';
import { addGeneratedConfiguration, type CompilingServerless } from './compile-generated';
import { applyChannelPlan, channelNetwork, planChannel, type ChannelConfig } from './channels';
import { channelStoreAtLoad } from './channels/early-store';
import { addPeerDatabases, type CompiledTemplate } from './ec2';
import { GPU_IDS, GPU_TRAINER_ARTIFACT, gpuInstanceTemplate, type GpuInstanceConfig } from './ec2/gpu-instance';
import { addParameterServer, type ParameterServerConfig } from './ec2/parameter-server';
import type { PeerDatabasesConfig } from './ec2/peer-databases';
import { packageLayers, packagingDir, type LayerHost } from './layers';
import { functionVpcConfig, networkResources, type InterfaceEndpointService } from './network';
import { mergeResources } from './network/types';
import { validateParams } from './params/validate';
import { mltrainConfigSchema } from './schema';
import { injectStateMachine, type StateMachineConfig } from './state-machines';

// The shared Serverless plugin every service loads. Each of its jobs (state machine generation,
// arm64 layers, network, EC2 resources) lives in its own file; this class only wires them to
// lifecycle hooks.

interface MltrainConfig {
  framework?: string;
  stateMachine?: StateMachineConfig;
  peerDatabases?: PeerDatabasesConfig;
  vpc?: boolean | { interfaceEndpoints?: InterfaceEndpointService[]; cidr?: string };
  gpuInstance?: GpuInstanceConfig;
  emptyOnRemove?: string[];
  parameterServer?: Partial<ParameterServerConfig>;
  channel?: ChannelConfig;
}

interface AwsProvider {
  naming: { getLambdaLogicalId(functionKey: string): string; getLambdaLayerLogicalId(name: string): string };
  getStage(): string;
  getAwsSdkV3Config?(): Record<string, unknown>;
  getServerlessDeploymentBucketName?(): Promise<string>;
}

interface ServerlessLike extends LayerHost {
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

interface PluginUtils {
  log: { notice(msg: string): void; verbose(msg: string): void };
}

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const NODE_MODULES = path.join(REPO_ROOT, 'node_modules');

export class MltrainPlugin {
  readonly hooks: Record<string, () => void | Promise<void>>;
  private readonly artifacts = new ExtraArtifacts();

  constructor(private readonly serverless: ServerlessLike, private readonly options: { param?: string[]; stage?: string; package?: string }, utils: PluginUtils) {
    serverless.configSchemaHandler.defineCustomProperties(mltrainConfigSchema);
    const mltrain = serverless.configurationInput.custom?.mltrain;
    const framework = mltrain?.framework ?? 'unknown';
    // Every --param is checked before anything is generated (params/).
    try {
      validateParams({ framework, cli: options.param, config: serverless.configurationInput.params });
    } catch (err) {
      // Serverless's own error class: printed as a message, without a stack trace.
      throw new serverless.classes.Error((err as Error).message, 'MLTRAIN_INVALID_PARAM');
    }
    const notice = (msg: string) => utils.log.notice(`mltrain: ${msg}`);
    // State machines must exist before serverless-step-functions reads the configuration.
    const machine = mltrain?.stateMachine ? injectStateMachine(serverless, mltrain.stateMachine, options.param) : undefined;
    // A LambdaML channel on ElastiCache lives in the VPC: so must the functions (channels/).
    const channelStore = mltrain?.channel && channelStoreAtLoad({
      configured: mltrain.channel.store, cliParams: options.param, stage: options.stage, params: serverless.configurationInput.params,
    });
    const vpcForChannel = channelStore ? channelNetwork(channelStore, mltrain?.vpc) : undefined;
    if (vpcForChannel) serverless.extendConfiguration(['custom', 'mltrain', 'vpc'], vpcForChannel);
    if (mltrain?.vpc) {
      // Injected before osls reads the configuration, so its IAM (VPC access policy) and every command see it.
      if (serverless.configurationInput.provider?.vpc) throw new Error('custom.mltrain.vpc puts the functions in the mltrain VPC: remove provider.vpc');
      serverless.extendConfiguration(['provider', 'vpc'], functionVpcConfig());
    }
    this.hooks = {
      'before:package:initialize': () => {
        utils.log.verbose(`mltrain: packaging the ${framework} service`);
        if (machine) notice(`${machine.type.toLowerCase()} state machine generated for ${machine.batches} parallel batches`);
      },
      // The handlers are bundled and zipped by now (serverless-esbuild); the functions are not compiled yet.
      'after:package:compileLayers': async () => {
        await packageLayers(serverless, { layersDir: path.join(REPO_ROOT, 'layers'), nodeModulesDir: NODE_MODULES, log: notice });
      },
      'package:compileEvents': async () => {
        const added = addGeneratedConfiguration(serverless as unknown as CompilingServerless);
        if (added.resources) utils.log.verbose(`mltrain: generated ${added.resources} resources and ${added.variables} environment variables`);
        if (mltrain?.peerDatabases) {
          const peers = addPeerDatabases(this.template(), mltrain.peerDatabases, options.param, this.names());
          notice(`${peers} peer databases (EC2, Redis with the tensor module)`);
        }
        // The resolved configuration (serverless.service), as its values may be ${param:...}.
        const resolved = this.serverless.service.custom?.mltrain;
        if (resolved?.parameterServer) {
          const { config, keyPrefix } = await addParameterServer(this.template(), { vpc: Boolean(resolved.vpc), parameterServer: resolved.parameterServer }, this.names(), this.artifacts);
          notice(`parameter server (EC2 ${config.instanceType}, gRPC port ${config.port}, bundle ${keyPrefix})`);
        }
        if (resolved?.channel) this.addChannel(resolved.channel, channelStore);
        await addNetworkGpuAndCleanup(serverless, notice);
      },
      // The parameter server's content-addressed bundle goes in after osls settles the package folder.
      'after:package:finalize': () => this.artifacts.copyInto(this.packageDir()),
      'after:aws:deploy:deploy:uploadArtifacts': async () => {
        await uploadExtraArtifacts(serverless, notice);
        await this.uploadArtifacts();
      },
    };
  }

  /** The LambdaML channel's resources, environment and IAM (channels/). */
  private addChannel(config: ChannelConfig, readAtLoad: string | undefined): void {
    if (config.store !== readAtLoad) {
      throw new Error(`custom.mltrain.channel.store resolved to "${config.store}" but read "${readAtLoad}" while the plugin loaded: give it as --param channel=${config.store}`);
    }
    const naming = this.serverless.getProvider('aws').naming;
    const functions = this.serverless.service.getAllFunctions().map((name) => naming.getLambdaLogicalId(name));
    applyChannelPlan(this.template(), planChannel(config), functions);
  }

  private template(): CompiledTemplate {
    return this.serverless.service.provider.compiledCloudFormationTemplate;
  }

  private packageDir(): string {
    return path.resolve(this.serverless.serviceDir, this.options.package ?? this.serverless.service.package.path ?? '.serverless');
  }

  private async uploadArtifacts(): Promise<void> {
    if (this.artifacts.list.length === 0) return;
    const provider = this.serverless.getProvider('aws');
    await this.artifacts.upload(this.packageDir(), {
      bucket: await provider.getServerlessDeploymentBucketName!(),
      artifactDirectoryName: this.serverless.service.package.artifactDirectoryName!,
      sdkConfig: provider.getAwsSdkV3Config?.() ?? {},
    });
  }

  private names() {
    return {
      service: this.serverless.service.service,
      stage: this.options.stage ?? this.serverless.service.provider.stage ?? 'dev',
      artifactDirectoryName: this.serverless.service.package.artifactDirectoryName!,
      repoRoot: REPO_ROOT,
      packageDir: packagingDir(this.serverless),
    };
  }
}

/** Network, GPU instance and bucket emptier, merged into the compiled template. */
async function addNetworkGpuAndCleanup(serverless: ServerlessLike, notice: (msg: string) => void): Promise<void> {
  const service = serverless.service;
  const cfg = service.custom?.mltrain ?? {};
  const template = service.provider.compiledCloudFormationTemplate;
  const stage = serverless.getProvider('aws').getStage();
  const name = `${service.service}-${stage}`;
  const vpc = cfg.vpc === true ? {} : cfg.vpc || undefined;
  if (vpc || cfg.gpuInstance) {
    mergeResources(template.Resources, networkResources({
      name, cidr: vpc?.cidr, private: Boolean(vpc), interfaceEndpoints: vpc?.interfaceEndpoints,
      public: Boolean(cfg.gpuInstance), publicAzIndex: cfg.gpuInstance?.availabilityZoneIndex,
    }), 'network');
  }
  if (cfg.gpuInstance) {
    const bundle = await buildGpuTrainerBundle({ repoRoot: REPO_ROOT, nodeModulesDir: NODE_MODULES, outFile: path.join(packagingDir(serverless), GPU_TRAINER_ARTIFACT) });
    notice(`GPU trainer bundle: ${(bundle.zippedBytes / 1048576).toFixed(1)} MB zipped, ${bundle.files} files; instance ${cfg.gpuInstance.instanceType}`);
    const gpu = gpuInstanceTemplate(cfg.gpuInstance, {
      service: service.service, stage, logRetentionInDays: service.provider.logRetentionInDays ?? 14,
      deploymentBucket: service.package.deploymentBucket, artifactDirectoryName: service.package.artifactDirectoryName!, nativePackage: bundle.nativePackage,
    });
    mergeResources(template.Resources, gpu.resources, 'gpu instance');
    template.Parameters = { ...template.Parameters, ...gpu.parameters };
    template.Outputs = { ...template.Outputs, ...gpu.outputs };
  }
  const buckets = cfg.emptyOnRemove ?? [];
  if (buckets.length) {
    mergeResources(template.Resources, emptyBucketResources({ buckets, name, logRetentionInDays: service.provider.logRetentionInDays ?? 14 }), 'emptyOnRemove');
    deleteBeforeEmptying(template.Resources as Record<string, { DependsOn?: string | string[] }>, [GPU_IDS.instance], buckets);
  }
}
