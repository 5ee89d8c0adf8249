import { functionVpcConfig, networkResources } from '../network';
import { mergeResources } from '../network/types';
import type { Feature } from './feature';

// The functions go into the private subnets when custom.mltrain.vpc says so (set at load, so
// osls adds the VPC access policy and every command sees it); the network itself (private subnets
// and endpoints, or a public subnet for the GPU instance) joins the template at compile.
export const vpcFeature: Feature = {
  name: 'vpc',
  load(ctx) {
    if (!ctx.serverless.configurationInput.custom?.mltrain?.vpc) return;
    if (ctx.serverless.configurationInput.provider?.vpc) throw new Error('custom.mltrain.vpc puts the functions in the mltrain VPC: remove provider.vpc');
    ctx.serverless.extendConfiguration(['provider', 'vpc'], functionVpcConfig());
  },
};

export const networkFeature: Feature = {
  name: 'network',
  compile(ctx) {
    const cfg = ctx.resolved;
    const vpc = cfg.vpc === true ? {} : cfg.vpc || undefined;
    if (!vpc && !cfg.gpuInstance) return;
    mergeResources(ctx.template.Resources, networkResources({
      name: `${ctx.serverless.service.service}-${ctx.serverless.getProvider('aws').getStage()}`, cidr: vpc?.cidr, private: Boolean(vpc),
      interfaceEndpoints: vpc?.interfaceEndpoints, public: Boolean(cfg.gpuInstance), publicAzIndex: cfg.gpuInstance?.availabilityZoneIndex,
    }), 'network');
  },
};
