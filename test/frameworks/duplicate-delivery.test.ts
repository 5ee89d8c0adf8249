import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTrainingConfig } from '../../lib/frameworks/run/training-config';
import { trainLocally } from '../../lib/local/train-locally';
import { deliverTwice, logLines, type Duplicate, type DuplicatePicker } from '../helpers/inject-duplicates';
import { PINNED_BASE, PINNED_DIGESTS, PINNED_SETTINGS } from '../helpers/pinned-runs';

// A second delivery of a real event, at several points of a real run, changes nothing: the run
// ends with the undisturbed run's pinned paramsDigest, and each function logs the duplicate.

jest.setTimeout(300_000);

let runsDir: string;
beforeAll(() => { runsDir = mkdtempSync(path.join(os.tmpdir(), 'duplicates-')); });
afterAll(() => rmSync(runsDir, { recursive: true, force: true }));

/** Picks each (function, matcher) once. */
function once(wanted: Record<string, (e: Record<string, unknown>) => boolean>): DuplicatePicker {
  const picked = new Set<string>();
  return (key, event) => {
    if (picked.has(key) || !wanted[key]?.(event)) return false;
    picked.add(key);
    return true;
  };
}

async function runWithDuplicates(framework: string, runId: string, pick: DuplicatePicker) {
  const config = resolveTrainingConfig({ ...PINNED_BASE, ...PINNED_SETTINGS[framework] }, { framework: framework as 'spirt' });
  let duplicates: Promise<Duplicate>[] = [];
  const results = await trainLocally({ framework, runsDir, runId, config, onRuntime: (runtime) => { duplicates = deliverTwice(runtime, pick); } });
  return { results, duplicates: await Promise.all(duplicates) };
}

function expectDuplicateLogged(runId: string, functionKey: string): void {
  expect(logLines(runsDir, runId, functionKey).filter((l) => l.message === 'duplicate delivery ignored').length).toBeGreaterThanOrEqual(1);
}

test('spirt: duplicates of init, compute, average, update and next-round change no model', async () => {
  const runId = 'dup-spirt';
  const { results, duplicates } = await runWithDuplicates('spirt', runId, once({
    init_model: (e) => e.peer === 1,
    compute_gradients: (e) => e.peer === 0 && e.round === 2,
    Trigger_Average_Gradient_sync: (e) => e.peer === 0 && e.round === 1,
    Trigger_update_model: (e) => e.peer === 1 && e.round === 3,
    Update_Trigger_Next_epoch: (e) => e.peer === 1 && e.round === 2,
  }));
  expect(duplicates.map((d) => d.functionKey).sort()).toEqual(
    ['Trigger_Average_Gradient_sync', 'Trigger_update_model', 'Update_Trigger_Next_epoch', 'compute_gradients', 'init_model']);
  for (const d of duplicates) {
    expect(d.outcome.functionError).toBeUndefined();
    expectDuplicateLogged(runId, d.functionKey);
  }
  // The update's duplicate returns the first delivery's result, not a second update.
  expect(duplicates.find((d) => d.functionKey === 'Trigger_update_model')!.outcome.payload).toMatchObject({ updateMs: expect.any(Number) });
  expect(results.final.paramsDigest).toBe(PINNED_DIGESTS.spirt);
});

test.each(['allreduce', 'scatter-reduce', 'ps', 'mlless'])('%s: a duplicate worker invocation starts no second loop', async (framework) => {
  const runId = `dup-${framework}`;
  const { results, duplicates } = await runWithDuplicates(framework, runId, once({ worker: (e) => e.rank === 1 && e.invocation === 1 }));
  expect(duplicates).toHaveLength(1);
  expect(duplicates[0].outcome.functionError).toBeUndefined();
  expectDuplicateLogged(runId, 'worker');
  expect(results.final.paramsDigest).toBe(PINNED_DIGESTS[framework]);
});
