import path from 'node:path';
import { buildGpuTrainerBundle } from '../../../../gpu/bundle';
import { addPeerDatabases } from '../ec2';
import { GPU_TRAINER_ARTIFACT, gpuInstanceTemplate } from '../ec2/gpu-instance';
import { addParameterServer } from '../ec2/parameter-server';
import { packagingDir } from '../layers';
import { mergeResources } from '../network/types';
import type { Feature } from './feature';
import { NODE_MODULES, REPO_ROOT } from './host';

// The EC2 instances: SPIRT's peer databases, the hybrid parameter server, the GPU baseline's instance.

export const peerDatabasesFeature: Feature = {
  name: 'peer databases',
  compile(ctx) {
    const config = ctx.written?.peerDatabases;
    if (!config) return;
    const peers = addPeerDatabases(ctx.template, config, ctx.options.param, ctx.names());
    ctx.notice(`${peers} peer databases (EC2, Redis with the tensor module)`);
  },
};

export const parameterServerFeature: Feature = {
  name: 'parameter server',
  async compile(ctx) {
    const resolved = ctx.resolved; // its values may be ${param:...}
    if (!resolved.parameterServer) return;
    const { config, keyPrefix } = await addParameterServer(ctx.template, { vpc: Boolean(resolved.vpc), parameterServer: resolved.parameterServer }, ctx.names(), ctx.artifacts);
    ctx.notice(`parameter server (EC2 ${config.instanceType}, gRPC port ${config.port}, bundle ${keyPrefix})`);
  },
};

export const gpuInstanceFeature: Feature = {
  name: 'gpu instance',
  async compile(ctx) {
    const cfg = ctx.resolved.gpuInstance;
    if (!cfg) return;
    const service = ctx.serverless.service;
    const bundle = await buildGpuTrainerBundle({ repoRoot: REPO_ROOT, nodeModulesDir: NODE_MODULES, outFile: path.join(packagingDir(ctx.serverless), GPU_TRAINER_ARTIFACT) });
    ctx.notice(`GPU trainer bundle: ${(bundle.zippedBytes / 1048576).toFixed(1)} MB zipped, ${bundle.files} files; instance ${cfg.instanceType}`);
    const gpu = gpuInstanceTemplate(cfg, {
      service: service.service, stage: ctx.serverless.getProvider('aws').getStage(), logRetentionInDays: service.provider.logRetentionInDays ?? 14,
      deploymentBucket: service.package.deploymentBucket, artifactDirectoryName: service.package.artifactDirectoryName!, nativePackage: bundle.nativePackage,
    });
    const template = ctx.template;
    mergeResources(template.Resources, gpu.resources, 'gpu instance');
    template.Parameters = { ...template.Parameters, ...gpu.parameters };
    template.Outputs = { ...template.Outputs, ...gpu.outputs };
  },
};
