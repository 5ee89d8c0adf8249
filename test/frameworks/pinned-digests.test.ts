import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTrainingConfig } from '../../lib/frameworks/run/training-config';
import { trainLocally } from '../../lib/local/train-locally';
import { PINNED_BASE, PINNED_DIGESTS, PINNED_SETTINGS, pinEngine } from '../helpers/pinned-runs';

// Pins each framework's final paramsDigest on synthetic data: moving code between files must not
// change what any framework computes. Smallest hand-over-free runs through the real local stack.
// The frameworks whose runs duplicate-delivery.test.ts makes (the same runs, with duplicates
// injected, ending with the same pinned digests) are not run a second time here.
const CHECKED_WITH_DUPLICATES = ['allreduce', 'scatter-reduce', 'ps', 'mlless', 'spirt'];

jest.setTimeout(300_000);

let runsDir: string;
beforeAll(() => { runsDir = mkdtempSync(path.join(os.tmpdir(), 'pinned-digests-')); });
afterAll(() => rmSync(runsDir, { recursive: true, force: true }));

test.each(Object.keys(PINNED_SETTINGS).filter((f) => !CHECKED_WITH_DUPLICATES.includes(f)))('%s ends with the pinned parameters', async (framework) => {
  const config = resolveTrainingConfig({ ...PINNED_BASE, ...PINNED_SETTINGS[framework] }, { framework: framework as 'allreduce' });
  const results = await trainLocally({ framework, runsDir, config });
  expect(results.final.paramsDigest).toBe(PINNED_DIGESTS[framework]);
});


let restoreEngine: () => void;
beforeAll(() => { restoreEngine = pinEngine(); });
afterAll(() => restoreEngine());
