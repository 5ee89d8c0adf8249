import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  currentBackend,
  findWasmDir,
  initBackend,
  resolvePreference,
  tfjsNodeLoadError,
  wasmDirCandidates,
} from '../../lib/ml/backend';

const REPO = path.resolve(__dirname, '../..');
const WASM_DIST = path.join(REPO, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');

describe('initBackend in this process', () => {
  beforeAll(() => initBackend('wasm'));

  it('runs on wasm with SIMD, files found in the installed package', async () => {
    const info = await initBackend('wasm');
    expect(info.name).toBe('wasm');
    expect(info.detail).toBe(`simd, files from ${WASM_DIST}`);
    expect(tf.getBackend()).toBe('wasm');
    expect(currentBackend()).toBe(info);
  });

  it('is idempotent and refuses a conflicting explicit preference', async () => {
    expect(await initBackend('wasm')).toBe(currentBackend());
    expect(await initBackend('auto')).toBe(currentBackend());
    await expect(initBackend('cpu')).rejects.toThrow('backend cpu requested but the process already runs on wasm');
  });

  it('registered the replacement gradients', () => {
    // Without the replacement the wasm backend cannot compute a Conv2D filter gradient at all.
    const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
    const w = tf.ones([3, 3, 1, 2]) as tf.Tensor4D;
    const dw = tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 1, 'valid')))(w);
    expect(Array.from(dw.dataSync())).toEqual(new Array(18).fill(4));
    tf.dispose([x, w, dw]);
  });
});

describe('resolvePreference', () => {
  it('lets MLTRAIN_TF_BACKEND override the code', () => {
    expect(resolvePreference('auto', {})).toBe('auto');
    expect(resolvePreference('auto', { MLTRAIN_TF_BACKEND: 'cpu' })).toBe('cpu');
    expect(resolvePreference('wasm', { MLTRAIN_TF_BACKEND: '' })).toBe('wasm');
  });

  it('names the source of a bad value', () => {
    expect(() => resolvePreference('auto', { MLTRAIN_TF_BACKEND: 'gpu' })).toThrow(
      "MLTRAIN_TF_BACKEND must be one of auto, tfjs-node, native, wasm, cpu, got 'gpu'",
    );
    expect(() => resolvePreference('webgl' as never, {})).toThrow("backend preference must be one of auto, tfjs-node, native, wasm, cpu, got 'webgl'");
  });
});

describe('finding the wasm files', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-wasm-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('looks beside the bundle, in its node_modules, in the Lambda task root and layer, then the package', () => {
    const candidates = wasmDirCandidates('/var/task/bundle', { LAMBDA_TASK_ROOT: '/var/task' });
    expect(candidates).toEqual([
      '/var/task/bundle',
      '/var/task/bundle/node_modules/@tensorflow/tfjs-backend-wasm/dist',
      '/var/task',
      '/var/task/node_modules/@tensorflow/tfjs-backend-wasm/dist',
      '/opt/nodejs/node_modules/@tensorflow/tfjs-backend-wasm/dist',
      WASM_DIST,
    ]);
    expect(wasmDirCandidates('/x', { MLTRAIN_WASM_DIR: '/explicit' })).toEqual(['/explicit']);
  });

  it('picks the first directory holding both binaries (a bundle with the files shipped beside it)', () => {
    const bundleDir = path.join(tmp, 'bundle');
    const nested = path.join(bundleDir, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
    fs.mkdirSync(nested, { recursive: true });
    for (const file of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']) fs.copyFileSync(path.join(WASM_DIST, file), path.join(nested, file));
    expect(findWasmDir(wasmDirCandidates(bundleDir, {}))).toBe(nested);
    // Only one of the two files beside the bundle: not enough.
    fs.copyFileSync(path.join(WASM_DIST, 'tfjs-backend-wasm-simd.wasm'), path.join(bundleDir, 'tfjs-backend-wasm-simd.wasm'));
    expect(findWasmDir(wasmDirCandidates(bundleDir, {}))).toBe(nested);
    fs.copyFileSync(path.join(WASM_DIST, 'tfjs-backend-wasm.wasm'), path.join(bundleDir, 'tfjs-backend-wasm.wasm'));
    expect(findWasmDir(wasmDirCandidates(bundleDir, {}))).toBe(bundleDir);
    expect(findWasmDir([path.join(tmp, 'nowhere')])).toBeUndefined();
  });
});

describe('tfjs-node', () => {
  it('reports why it cannot load when it is not installed', () => {
    const installed = fs.existsSync(path.join(REPO, 'node_modules/@tensorflow/tfjs-node'));
    if (installed) expect(tfjsNodeLoadError()).toBeUndefined();
    else expect(tfjsNodeLoadError()).toMatch(/^tfjs-node not loadable \(Cannot find module '@tensorflow\/tfjs-node'/);
  });
});

describe('a fresh process', () => {
  let brokenWasmDir: string;
  beforeAll(() => {
    // What a bundle shipped with corrupt or wrong .wasm files looks like to tfjs.
    brokenWasmDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-broken-wasm-'));
    for (const file of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']) fs.writeFileSync(path.join(brokenWasmDir, file), 'not wasm');
  });
  afterAll(() => fs.rmSync(brokenWasmDir, { recursive: true, force: true }));

  function probe(preference: string, env: Record<string, string>): Record<string, any> {
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures/backend-probe.ts'), preference], {
      cwd: REPO,
      // No native engine: these probes are about the tfjs backends (native-engine.test.ts covers it).
      env: { ...process.env, MLTRAIN_TF_BACKEND: '', MLTRAIN_NATIVE_ADDON: '/nonexistent/mltrain_native.node', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(0);
    return { ...JSON.parse(result.stdout), stderr: result.stderr };
  }

  it('auto detects the failed wasm start-up and reports the cpu fallback', () => {
    const report = probe('auto', { MLTRAIN_WASM_DIR: brokenWasmDir });
    expect(report.createModelError).toBe('call initBackend() (lib/ml/backend) before createModel()');
    expect(report.info.name).toBe('cpu');
    expect(report.info.detail).toContain(`wasm failed to initialise from ${brokenWasmDir}`);
    expect(report.tfBackend).toBe('cpu');
    expect(report.stderr).toContain(`tfjs backend: cpu (fallback: `);
  });

  it('an explicit wasm preference fails loudly instead of falling back', () => {
    const report = probe('wasm', { MLTRAIN_WASM_DIR: brokenWasmDir });
    expect(report.initError).toBe(`backend wasm requested but wasm failed to initialise from ${brokenWasmDir} (tfjs logged why above)`);
  });

  it('MLTRAIN_TF_BACKEND=cpu overrides the code', () => {
    const report = probe('wasm', { MLTRAIN_TF_BACKEND: 'cpu' });
    expect(report.info).toEqual({ name: 'cpu', detail: 'requested' });
    expect(report.tfBackend).toBe('cpu');
  });
});
