import { artifactsFeature } from './artifacts';
import { channelFeature } from './channel';
import { emptyOnRemoveFeature } from './cleanup';
import type { Feature } from './feature';
import { destinationsFeature } from './destinations';
import { generatedFeature } from './generated';
import { gpuInstanceFeature, parameterServerFeature, peerDatabasesFeature } from './instances';
import { iamFeature } from './iam';
import { layersFeature } from './layers';
import { trainingMemoryFeature } from './memory';
import { paramsFeature } from './params';
import { stateMachineFeature } from './state-machine';
import { networkFeature, vpcFeature } from './vpc';

// Every feature of the plugin, in the order they run at each hook. Order matters: parameters are
// checked first; the channel may ask for the VPC before the VPC feature reads it; the network and
// the GPU instance come after what references them; the bucket emptier last (it orders deletions).
// A new feature (e.g. another layer) is one module here.
export const FEATURES: readonly Feature[] = [
  paramsFeature,
  stateMachineFeature,
  trainingMemoryFeature,
  destinationsFeature,
  iamFeature, // the service's statements before the channel's
  channelFeature,
  vpcFeature,
  layersFeature,
  generatedFeature,
  peerDatabasesFeature,
  parameterServerFeature,
  networkFeature,
  gpuInstanceFeature,
  emptyOnRemoveFeature,
  artifactsFeature,
];
