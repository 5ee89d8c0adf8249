import { addGeneratedConfiguration, type CompilingServerless } from '../compile-generated';
import type { Feature } from './feature';

// The resources and environment the local runtime builds too (generated.ts: MLLESS's queues and Redis).
export const generatedFeature: Feature = {
  name: 'generated',
  compile(ctx) {
    const added = addGeneratedConfiguration(ctx.serverless as unknown as CompilingServerless);
    if (added.resources) ctx.verbose(`generated ${added.resources} resources and ${added.variables} environment variables`);
  },
};
