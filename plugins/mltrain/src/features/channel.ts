import { applyChannelPlan, channelNetwork, planChannel } from '../channels';
import { channelStoreAtLoad } from '../channels/early-store';
import type { Feature } from './feature';

// A LambdaML channel: on ElastiCache it lives in the VPC, and so must the functions (settled at
// load); its resources, environment and IAM join the template once variables are resolved.
export const channelFeature: Feature = {
  name: 'channel',
  load(ctx) {
    const channel = ctx.written?.channel;
    if (!channel) return;
    const store = channelStoreAtLoad({ configured: channel.store, cliParams: ctx.options.param, stage: ctx.options.stage, params: ctx.serverless.configurationInput.params });
    ctx.loaded.set('channel', store);
    const vpc = store ? channelNetwork(store, ctx.written?.vpc) : undefined;
    if (vpc) ctx.serverless.extendConfiguration(['custom', 'mltrain', 'vpc'], vpc);
  },
  compile(ctx) {
    const config = ctx.resolved.channel;
    if (!config) return;
    const readAtLoad = ctx.loaded.get('channel');
    if (config.store !== readAtLoad) {
      throw new Error(`custom.mltrain.channel.store resolved to "${config.store}" but read "${String(readAtLoad)}" while the plugin loaded: give it as --param channel=${config.store}`);
    }
    const naming = ctx.serverless.getProvider('aws').naming;
    const functions = ctx.serverless.service.getAllFunctions().map((name) => naming.getLambdaLogicalId(name));
    applyChannelPlan(ctx.template, planChannel(config), functions);
  },
};
