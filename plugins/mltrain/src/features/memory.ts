import { TRAINING_FUNCTIONS, trainingMemoryMB } from '../params/model-memory';
import { paramValue } from '../params/validate';
import type { Feature } from './feature';

// The functions that hold the model get the memory its step needs (--param model, batchSize);
// the parameters were checked while the plugin loaded (params feature).
export const trainingMemoryFeature: Feature = {
  name: 'training-memory',
  compile(ctx) {
    const framework = ctx.resolved.framework ?? '';
    const src = { framework, cli: ctx.options.param, config: ctx.serverless.configurationInput.params, stage: ctx.stage };
    const model = paramValue(src, 'model');
    const batch = paramValue(src, 'batchSize');
    const memory = model === undefined ? undefined : trainingMemoryMB(model, batch === undefined ? undefined : Number(batch));
    if (memory === undefined) return;
    const naming = ctx.serverless.getProvider('aws').naming;
    for (const name of TRAINING_FUNCTIONS[framework] ?? []) {
      const resource = ctx.template.Resources[naming.getLambdaLogicalId(name)] as { Properties: { MemorySize?: number } } | undefined;
      if (!resource) throw new Error(`mltrain: training function ${name} is not in the template`);
      resource.Properties.MemorySize = memory;
    }
    ctx.notice(`${model} training functions (${(TRAINING_FUNCTIONS[framework] ?? []).join(', ')}): ${memory} MB`);
  },
};
