import { serviceBillables } from '../../plugins/mltrain/src/billing/service-billables';
import type { Billables } from '../../plugins/mltrain/src/billing/billables';
import { FRAMEWORKS, type FrameworkName } from '../frameworks/catalog';

// What the service of a run's framework would deploy for that run, as `sls deploy --param ...`
// would be given it: SPIRT one peer database per worker, MLLESS one queue per worker, the
// collectives the run's channel. The resources come from the plugin's builders (billing/).

export function deployParamsForRun(framework: string, config: Record<string, unknown>): Record<string, string | number> {
  const workers = Number(config.workers ?? 4);
  switch (framework) {
    case 'spirt':
      return { peers: workers, batches: Number(config.batches ?? 4) };
    case 'mlless':
      return { workers };
    case 'allreduce':
    case 'scatter-reduce':
      return { channel: String(config.channel ?? 's3') };
    default:
      return {};
  }
}

export function deployedForRun(framework: string, config: Record<string, unknown>): Billables {
  const info = FRAMEWORKS[framework as FrameworkName];
  if (!info) throw new Error(`no service for framework "${framework}"`);
  return serviceBillables(info.service, deployParamsForRun(framework, config));
}
