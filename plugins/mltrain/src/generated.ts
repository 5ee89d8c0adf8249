import type { GeneratedConfiguration } from './generated-types';
import { mllessConfiguration, type MllessPluginConfig } from './mlless/resources';

export type { CfnResource, GeneratedConfiguration } from './generated-types';

// What the plugin generates that the local runtime also builds (today MLLESS's queues and Redis),
// from one function, so that `sls package` (features/generated.ts → compile-generated.ts) and the
// local runtime (lib/local/resources.ts) get the very same thing. The plugin's other features are
// in features/registry.ts; the cost model reads all of them through billing/.

export interface GenerationContext {
  service: string;
  stage: string;
}

export function generatedConfiguration(mltrain: Record<string, unknown> | undefined, ctx: GenerationContext): GeneratedConfiguration {
  const parts: GeneratedConfiguration[] = [];
  if (mltrain?.mlless) parts.push(mllessConfiguration(mltrain.mlless as MllessPluginConfig, ctx));
  return merge(parts);
}

function merge(parts: GeneratedConfiguration[]): GeneratedConfiguration {
  const out: GeneratedConfiguration = { resources: {}, environment: {} };
  for (const part of parts) {
    for (const [id, resource] of Object.entries(part.resources)) {
      if (id in out.resources) throw new Error(`two mltrain features generate the resource ${id}`);
      out.resources[id] = resource;
    }
    for (const [name, value] of Object.entries(part.environment)) {
      if (name in out.environment) throw new Error(`two mltrain features set the environment variable ${name}`);
      out.environment[name] = value;
    }
  }
  return out;
}
