// The SPIRT paper's claim on one configuration: the round's averaging, aggregation and model
// update inside the peers' databases (tensor-module commands) versus in the functions (fetch,
// compute in TypeScript, write back). Two local runs, same seed and data; prints the mean time
// per round of each step and the cut.
//
//   npx tsx bench/spirt-in-db.ts [--dataset mnist] [--model mlp] [--workers 4] [--batches 4] [--epochs 1]

import '../lib/util/polyfills';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTrainingConfig } from '../lib/frameworks/run/training-config';
import { installCleanupHandlers } from '../lib/local/processes';
import { trainLocally } from '../lib/local/train-locally';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  installCleanupHandlers();
  const input = {
    dataset: arg('dataset', 'mnist'), model: arg('model', 'mlp'), workers: Number(arg('workers', '4')), batches: Number(arg('batches', '4')),
    epochs: Number(arg('epochs', '1')), seed: 42,
  };
  const runsDir = mkdtempSync(path.join(os.tmpdir(), 'spirt-bench-'));
  try {
    const rows = [];
    for (const inDb of [true, false]) {
      const config = resolveTrainingConfig({ ...input, inDb }, { framework: 'spirt', what: 'bench options' });
      const results = await trainLocally({ framework: 'spirt', config, runsDir });
      const s = results.roundSteps!;
      rows.push({ path: inDb ? 'in the database' : 'in the function', rounds: s.rounds, ...s.meanMs, accuracy: results.final.testAccuracy, params: results.final.numParams });
    }
    console.log(`SPIRT ${input.model} on ${input.dataset}, ${input.workers} peers × ${input.batches} batches, ${rows[0].params.toLocaleString()} parameters`);
    console.log('path              rounds  average ms  aggregate ms  update ms  total ms  test acc');
    for (const r of rows) {
      console.log(`${r.path.padEnd(16)}  ${String(r.rounds).padStart(6)}  ${r.average.toFixed(2).padStart(10)}  ${r.aggregate.toFixed(2).padStart(12)}  ${r.update.toFixed(2).padStart(9)}  ${r.total.toFixed(2).padStart(8)}  ${(r.accuracy * 100).toFixed(2)}%`);
    }
    console.log(`in-database time per round is ${((1 - rows[0].total / rows[1].total) * 100).toFixed(0)}% lower (the SPIRT paper reports 82%)`);
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
