import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTrainingConfig } from '../../lib/frameworks/run/training-config';
import { engineNotice } from '../../lib/local/engine-notice';
import type { LocalRunEvent } from '../../lib/local/run-events';
import { trainLocally } from '../../lib/local/train-locally';
import { builtAddonFile } from '../../lib/ml/native/addon';

// A run whose functions will train on wasm because the native engine is not built says so on the
// console, once, before the servers start (the functions' own line goes to their logs only).

jest.setTimeout(120_000);

const MISSING = { MLTRAIN_TF_BACKEND: '', MLTRAIN_NATIVE_ADDON: '/nonexistent/mltrain_native.node' };

test('names the build command when the addon is missing, and says nothing when it is built or a backend is chosen', () => {
  expect(engineNotice(MISSING)).toBe(
    'the native engine is not built, so the models train on wasm (slower); for the fast path: npm run build:native '
    + '(needs g++, make, libdnnl-dev and libopenblas-dev; mltrain doctor --fix installs them)');
  expect(engineNotice({ ...MISSING, MLTRAIN_TF_BACKEND: 'wasm' })).toBeUndefined();
  expect(engineNotice({ ...MISSING, MLTRAIN_NATIVE_ADDON: path.join(__dirname, 'engine-notice.test.ts') })).toBeUndefined(); // exists: its loading is the functions' business
  expect(() => engineNotice({ MLTRAIN_TF_BACKEND: 'gpu' })).toThrow("MLTRAIN_TF_BACKEND must be one of auto, tfjs-node, native, wasm, cpu, got 'gpu'");
});

test('a real run without the addon prints the notice first and trains on wasm', async () => {
  const runsDir = mkdtempSync(path.join(os.tmpdir(), 'engine-notice-'));
  const saved = Object.fromEntries(Object.keys(MISSING).map((key) => [key, process.env[key]]));
  Object.assign(process.env, MISSING); // the functions inherit it, as from a shell
  const events: LocalRunEvent[] = [];
  try {
    const config = resolveTrainingConfig({ dataset: 'synthetic', workers: 1, epochs: 1, seed: 5 }, { framework: 'allreduce' });
    const results = await trainLocally({ framework: 'allreduce', runsDir, config, onEvent: (e) => events.push(e) });
    const progress = events.filter((e) => e.type === 'progress').map((e) => (e as { message: string }).message);
    expect(progress[0]).toMatch(/^the native engine is not built, so the models train on wasm/);
    expect(progress.filter((m) => m.includes('native engine'))).toHaveLength(1);
    expect(results.backend).toBe('wasm');
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    rmSync(runsDir, { recursive: true, force: true });
  }
});

test('with the addon built (npm ci builds it here), a default run prints no notice', () => {
  if (builtAddonFile() === undefined) return void process.stdout.write('addon not built here: nothing to compare\n');
  expect(engineNotice({ ...process.env, MLTRAIN_TF_BACKEND: '' })).toBeUndefined();
});
