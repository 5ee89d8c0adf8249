import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { saveRunRecord } from '../../lib/frameworks/run/run-record';
import { resolveTrainingConfig, type TrainingConfig } from '../../lib/frameworks/run/training-config';
import type { LocalRuntime } from '../../lib/local/runtime';
import { trainLocally } from '../../lib/local/train-locally';
import { deliverTwice, logLines, type Duplicate, type DuplicatePicker, type Invoke } from '../helpers/inject-duplicates';
import { snapshotState } from '../helpers/refusals';
import { PINNED_BASE, PINNED_DIGESTS, PINNED_SETTINGS, pinEngine } from '../helpers/pinned-runs';

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

type BeforeTrigger = (runtime: LocalRuntime, invoke: Invoke, trigger: { config: TrainingConfig; manifestKey: string }) => Promise<void>;

async function runWithDuplicates(framework: string, runId: string, pick: DuplicatePicker, beforeTrigger?: BeforeTrigger) {
  const config = resolveTrainingConfig({ ...PINNED_BASE, ...PINNED_SETTINGS[framework] }, { framework: framework as 'spirt' });
  let duplicates: Promise<Duplicate>[] = [];
  let triggered = false;
  const results = await trainLocally({
    framework, runsDir, runId, config, onRuntime: (runtime) => {
      duplicates = deliverTwice(runtime, pick, async (key, event, invoke) => {
        if (key !== 'trigger' || triggered || !beforeTrigger) return;
        triggered = true;
        await beforeTrigger(runtime, invoke, event as { config: TrainingConfig; manifestKey: string });
      });
    },
  });
  return { results, duplicates: await Promise.all(duplicates) };
}

/** The deployed path refuses a batch larger than a shard (synthetic: 4,096 rows, 2 workers). */
const BIG_BATCH_REFUSAL = 'invalid trigger event config: batchSize 8,192 on a 2,048-row shard (datasets/synthetic/w2-s7/manifest.json: 2 shards of 2,048 rows): use batchSize 2,048 or less, or fewer workers';

const SPIRT_STEPS = ['init_peers', 'init_model', 'auth', 'compute_gradients', 'Trigger_Average_Gradient_sync', 'check_heartbeat', 'Aggregation', 'Trigger_update_model', 'check-convergence', 'Update_Trigger_Next_epoch'];

/** Every SPIRT function refuses events of an unopened run or outside its dataset, writing nothing. */
const checkRefusals = (runId: string): BeforeTrigger => async (runtime, invoke, { config, manifestKey }) => {
  const before = await snapshotState(runtime, path.join(runsDir, runId));
  const fn = (key: string) => runtime.functionName('spirt', key);
  const event = (key: string, over: Record<string, unknown>) => ({
    config, manifestKey, peer: 0, ...(key.startsWith('init_') ? {} : { round: 1, batch: 0 }), ...over,
  });
  const refusal = async (key: string, payload: unknown) => (await invoke(fn(key), payload)).functionError?.errorMessage ?? 'accepted';
  // A run never opened.
  for (const key of SPIRT_STEPS) expect(await refusal(key, event(key, { runId: 'never-opened' }))).toMatch(/run never-opened was never opened/);
  // An opened run, with a manifestKey that leaves the run's dataset.
  const store = runtime.store();
  await saveRunRecord(store, 'spirt', { runId: 'opened-idle', manifestKey }, config);
  const traversal = 'datasets/synthetic/../../runs/opened-idle/manifest.json';
  for (const key of SPIRT_STEPS) {
    expect(await refusal(key, event(key, { runId: 'opened-idle', manifestKey: traversal }))).toMatch(/is not run opened-idle's dataset/);
  }
  // This run's round machine was generated for one batch, so the events ask for that many.
  const deployed = { batches: PINNED_SETTINGS.spirt.batches };
  expect(await refusal('trigger', { runId: 'traversal', config: deployed, manifestKey: traversal })).toMatch(/outside the dataset layout/);
  // docs/aws.md's trigger event gets past its configuration (SPIRT's default momentum is 0) to the
  // dataset check: no MNIST split for 4 workers was prepared here.
  expect(await refusal('trigger', { runId: 'docs-event', config: { workers: 4, ...deployed, epochs: 2, aggregation: 'median' } }))
    .toMatch(/^no dataset manifest at datasets\/mnist\/w4-s42\/manifest.json/);
  expect(await refusal('trigger', { runId: 'big-batch', config: { ...config, batchSize: 8192 }, manifestKey })).toBe(BIG_BATCH_REFUSAL);
  const after = await snapshotState(runtime, path.join(runsDir, runId));
  expect(after).toEqual({ ...before, bucket: [...before.bucket, 'runs/opened-idle/config.json'].sort() });
};

function expectDuplicateLogged(runId: string, functionKey: string): void {
  expect(logLines(runsDir, runId, functionKey).filter((l) => l.message === 'duplicate delivery ignored').length).toBeGreaterThanOrEqual(1);
}

/** A second delivery of the trigger's event answers with the first delivery's result. */
function expectTriggerAnsweredOnce(duplicates: Duplicate[]): void {
  const trigger = duplicates.find((d) => d.functionKey === 'trigger')!;
  expect(trigger.outcome.functionError).toBeUndefined();
  expect(trigger.outcome.payload).toEqual(trigger.first.payload);
}

test('spirt: duplicates of the trigger, init, compute, average, update and next-round change no model; foreign events are refused', async () => {
  const runId = 'dup-spirt';
  const { results, duplicates } = await runWithDuplicates('spirt', runId, once({
    trigger: () => true,
    init_model: (e) => e.peer === 1,
    compute_gradients: (e) => e.peer === 0 && e.round === 2,
    Trigger_Average_Gradient_sync: (e) => e.peer === 0 && e.round === 1,
    Trigger_update_model: (e) => e.peer === 1 && e.round === 3,
    Update_Trigger_Next_epoch: (e) => e.peer === 1 && e.round === 2,
  }), checkRefusals(runId));
  expect(duplicates.map((d) => d.functionKey).sort()).toEqual(
    ['Trigger_Average_Gradient_sync', 'Trigger_update_model', 'Update_Trigger_Next_epoch', 'compute_gradients', 'init_model', 'trigger']);
  expectTriggerAnsweredOnce(duplicates);
  for (const d of duplicates) {
    expect(d.outcome.functionError).toBeUndefined();
    expectDuplicateLogged(runId, d.functionKey);
  }
  expect(logLines(runsDir, runId, 'trigger').filter((l) => l.message === 'run started')).toHaveLength(1);
  // The update's duplicate returns the first delivery's result, not a second update.
  expect(duplicates.find((d) => d.functionKey === 'Trigger_update_model')!.outcome.payload).toMatchObject({ updateMs: expect.any(Number) });
  expect(results.final.paramsDigest).toBe(PINNED_DIGESTS.spirt);
});

test.each(['allreduce', 'scatter-reduce', 'ps', 'mlless'])('%s: a duplicate trigger or worker invocation starts no second run or loop', async (framework) => {
  const runId = `dup-${framework}`;
  const refuseUnopened: BeforeTrigger = async (runtime, invoke, { config, manifestKey }) => {
    const bucket = await runtime.store().list('');
    const worker = { runId: 'never-opened', rank: 0, numWorkers: 2, invocation: 1, config, manifestKey };
    const outcome = await invoke(runtime.functionName(framework, 'worker'), worker);
    expect(outcome.functionError?.errorMessage).toMatch(/run never-opened was never opened/);
    if (framework === 'mlless') {
      const supervisor = await invoke(runtime.functionName(framework, 'supervisor'), { runId: 'never-opened', config, manifestKey, invocation: 1 });
      expect(supervisor.functionError?.errorMessage).toMatch(/run never-opened was never opened/);
    }
    // An opened run's worker, pointed outside the run's dataset.
    const opened = `opened-${framework}`;
    await saveRunRecord(runtime.store(), framework, { runId: opened, manifestKey }, config);
    bucket.push(`runs/${opened}/config.json`);
    const traversal = { ...worker, runId: opened, manifestKey: `datasets/synthetic/../../runs/${opened}/manifest.json` };
    expect((await invoke(runtime.functionName(framework, 'worker'), traversal)).functionError?.errorMessage).toMatch(`is not run ${opened}'s dataset`);
    const bigBatch = await invoke(runtime.functionName(framework, 'trigger'), { runId: 'big-batch', config: { ...config, batchSize: 8192 }, manifestKey });
    expect(bigBatch.functionError?.errorMessage).toBe(BIG_BATCH_REFUSAL);
    expect((await runtime.store().list('')).sort()).toEqual(bucket.sort());
  };
  const { results, duplicates } = await runWithDuplicates(framework, runId, once({ trigger: () => true, worker: (e) => e.rank === 1 && e.invocation === 1 }), refuseUnopened);
  expect(duplicates.map((d) => d.functionKey).sort()).toEqual(['trigger', 'worker']);
  for (const d of duplicates) expect(d.outcome.functionError).toBeUndefined();
  expectTriggerAnsweredOnce(duplicates);
  expectDuplicateLogged(runId, 'worker');
  expectDuplicateLogged(runId, 'trigger');
  expect(results.final.paramsDigest).toBe(PINNED_DIGESTS[framework]);
});


let restoreEngine: () => void;
beforeAll(() => { restoreEngine = pinEngine(); });
afterAll(() => restoreEngine());
