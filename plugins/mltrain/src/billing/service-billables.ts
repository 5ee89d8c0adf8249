import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument, type Tags } from 'yaml';
import { channelNetwork, planChannel, type ChannelStore } from '../channels';
import { gpuInstanceTemplate, type GpuInstanceConfig } from '../ec2/gpu-instance';
import { parameterServerResources, resolveConfig } from '../ec2/parameter-server';
import { peerDatabaseResources } from '../ec2/peer-databases';
import { mllessConfiguration } from '../mlless/resources';
import { networkResources } from '../network';
import { billablesOf, type Billables } from './billables';

// What a service deploys that bills, for given --params: its serverless.yml's custom.mltrain, with
// ${param:name, default} resolved, handed to the very builders `sls package` calls (network,
// channels, MLLESS, peer databases, parameter server, GPU instance), and read off their output.

const SERVICES_DIR = path.resolve(__dirname, '..', '..', '..', '..', 'services');
const PARAM = /^\$\{param:([A-Za-z0-9_-]+)\s*(?:,\s*['"]?([^'"}]*)['"]?\s*)?\}$/;
// CloudFormation's short forms, kept as plain values: only custom.mltrain is read.
const CFN_TAGS: Tags = ['!Sub', '!GetAtt', '!Ref', '!Join', '!Select'].map((tag) => ({ tag, resolve: (v: string) => v }));

type MltrainYaml = Record<string, any>;

export function serviceMltrainConfig(service: string, params: Record<string, string | number> = {}): MltrainYaml {
  const doc = parseDocument(readFileSync(path.join(SERVICES_DIR, service, 'serverless.yml'), 'utf8'), { customTags: CFN_TAGS });
  const resolve = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const m = PARAM.exec(v.trim());
      if (!m) return v;
      const given = params[m[1]] ?? m[2];
      return given !== undefined && /^\d+$/.test(String(given)) ? Number(given) : given;
    }
    if (Array.isArray(v)) return v.map(resolve);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
    return v;
  };
  return resolve((doc.toJS() as { custom?: { mltrain?: MltrainYaml } }).custom?.mltrain ?? {}) as MltrainYaml;
}

export function serviceBillables(service: string, params: Record<string, string | number> = {}): Billables {
  const cfg = serviceMltrainConfig(service, params);
  const names = { service: `mltrain-${service}`, stage: 'dev', artifactDirectoryName: 'serverless/billing' };
  const resources: Record<string, unknown> = {};
  let vpc = cfg.vpc === true ? {} : cfg.vpc || undefined;
  if (cfg.channel) {
    vpc = channelNetwork(cfg.channel.store, vpc) ?? vpc;
    Object.assign(resources, planChannel({ store: cfg.channel.store as ChannelStore, cacheNodeType: cfg.channel.cacheNodeType }).resources);
  }
  if (cfg.mlless) Object.assign(resources, mllessConfiguration(cfg.mlless, names).resources);
  if (cfg.peerDatabases) Object.assign(resources, peerDatabaseResources({ peers: Number(params.peers ?? cfg.peerDatabases.peers ?? 4), instanceType: cfg.peerDatabases.instanceType ?? 't4g.small' }, names));
  if (cfg.parameterServer) {
    Object.assign(resources, parameterServerResources(resolveConfig(cfg.parameterServer, Boolean(vpc)), { keyPrefix: 'billing/', files: {} }, names).resources);
  }
  if (cfg.gpuInstance) {
    const ctx = { ...names, logRetentionInDays: 14, nativePackage: 'none' };
    Object.assign(resources, gpuInstanceTemplate(cfg.gpuInstance as GpuInstanceConfig, ctx).resources);
  }
  if (vpc || cfg.gpuInstance) {
    Object.assign(resources, networkResources({ name: names.service, private: Boolean(vpc), interfaceEndpoints: vpc?.interfaceEndpoints, public: Boolean(cfg.gpuInstance) }));
  }
  return billablesOf(resources, Boolean(vpc));
}
