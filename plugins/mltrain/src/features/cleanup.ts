import { deleteBeforeEmptying, emptyBucketResources } from '../cleanup/empty-buckets';
import { GPU_IDS } from '../ec2/gpu-instance';
import { mergeResources } from '../network/types';
import type { Feature } from './feature';

// Buckets emptied by a custom resource when the stack is removed; whatever writes to them goes first.
export const emptyOnRemoveFeature: Feature = {
  name: 'empty on remove',
  compile(ctx) {
    const buckets = ctx.resolved.emptyOnRemove ?? [];
    if (!buckets.length) return;
    const service = ctx.serverless.service;
    const name = `${service.service}-${ctx.serverless.getProvider('aws').getStage()}`;
    const resources = ctx.template.Resources as Record<string, { DependsOn?: string | string[] }>;
    mergeResources(resources, emptyBucketResources({ buckets, name, logRetentionInDays: service.provider.logRetentionInDays ?? 14 }), 'emptyOnRemove');
    deleteBeforeEmptying(resources, [GPU_IDS.instance], buckets);
  },
};
