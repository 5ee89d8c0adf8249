import { gpuTriggerHandler } from '../../../lib/frameworks/gpu/trigger-handler';

/** sls invoke -f trigger -d '{"config":{"workers":4,"epochs":3}}' → { runId, launch, ... } */
export const handler = gpuTriggerHandler;
