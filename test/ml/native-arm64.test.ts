/**
 * The native engine's arm64 Lambda layer (layers/native): cross-built with Debian's arm64 oneDNN
 * and OpenBLAS, within its budget, no symbol newer than Amazon Linux 2023's glibc 2.34, and loaded
 * by Debian's arm64 node under qemu-aarch64, where its gradients match the host engine's. Skipped,
 * with the reason printed, on a machine without the cross toolchain or qemu (.ci/run installs them).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadNativeLayerDeclaration, packNativeLayer, tooNewSymbols } from '../../layers/native/pack';
import type { ModelKind, ModelSpec } from '../../lib/ml/models';
import { loadNativeEngine } from '../../lib/ml/native/addon';
import { nativeNetworkSpec } from '../../lib/ml/native/network-spec';
import { createNativeModel } from '../../lib/ml/native/native-model';
import { createRng } from '../../lib/ml/random';

const REPO = path.resolve(__dirname, '../..');
const ARM64 = path.join(REPO, 'native', 'build', 'arm64');
const onPath = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const missing = [
  ...['aarch64-linux-gnu-g++', 'aarch64-linux-gnu-objdump', 'qemu-aarch64', 'dpkg-deb'].filter((t) => !onPath(t)),
  ...['libdnnl.so.2', 'libopenblas.so.0'].filter((l) => !fs.existsSync(`/usr/lib/aarch64-linux-gnu/${l}`)).map((l) => `${l} (arm64)`),
  ...(loadNativeEngine().engine === undefined ? ['the host engine'] : []),
];
if (missing.length > 0) process.stdout.write(`skipping the arm64 native layer tests: missing ${missing.join(', ')}\n`);
const describeArm64 = missing.length > 0 ? describe.skip : describe;

const MODELS: Array<[ModelKind, ModelSpec]> = [
  ['mlp', { inputShape: [784], numClasses: 10, seed: 2 }],
  ['cnn', { inputShape: [28, 28, 1], numClasses: 10, seed: 2 }],
  ['svm', { inputShape: [30], numClasses: 5, seed: 2 }],
];
const b64 = (a: Float32Array | Int32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

describeArm64('the arm64 native layer', () => {
  let tmp: string;
  beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'native-arm64-')); });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('builds, stays within its budget and needs nothing newer than glibc 2.34', () => {
    const result = packNativeLayer(path.join(tmp, 'layer.zip'));
    expect(result.files.map((f) => f.name)).toEqual(loadNativeLayerDeclaration().files);
    expect(result.unzippedBytes).toBeLessThan(40 * 1024 * 1024);
    // The check itself: Debian's own arm64 libstdc++ (not shipped) needs glibc 2.36.
    expect(tooNewSymbols('/usr/lib/aarch64-linux-gnu/libstdc++.so.6', loadNativeLayerDeclaration())).toEqual(['GLIBC_2.36']);
  }, 300_000);

  it('loads under qemu-aarch64 and computes the host engine\'s gradients', () => {
    const jobs = MODELS.map(([kind, spec]) => {
      const rng = createRng(4);
      const network = nativeNetworkSpec(kind, spec);
      const model = createNativeModel(kind, spec);
      const params = Float32Array.from(model.getParams(), (p) => p + 0.05 * rng.normal());
      model.setParams(params);
      const count = 32;
      const x = Float32Array.from({ length: count * spec.inputShape.reduce((a, b) => a * b, 1) }, () => rng.normal());
      const labels = Int32Array.from({ length: count }, () => rng.int(spec.numClasses));
      const host = model.gradient({ x, y: labels, count });
      model.dispose();
      return { host, job: { layers: Array.from(network.layers), loss: network.loss, classes: spec.numClasses, count, params: b64(params), x: b64(x), labels: b64(labels) } };
    });
    const jobFile = path.join(tmp, 'job.json');
    fs.writeFileSync(jobFile, JSON.stringify({ addon: '/opt/native/mltrain_native.node', models: jobs.map((j) => j.job) }));
    const sysroot = path.join(ARM64, 'sysroot');
    // The layer sits where Lambda unpacks it: qemu's -L prefix maps /opt to the layer's folder's parent.
    fs.mkdirSync(path.join(tmp, 'root', 'opt'), { recursive: true });
    fs.cpSync(path.join(ARM64, 'layer'), path.join(tmp, 'root', 'opt'), { recursive: true });
    fs.symlinkSync(path.join(sysroot, 'usr'), path.join(tmp, 'root', 'usr'));
    fs.symlinkSync(path.join(sysroot, 'lib'), path.join(tmp, 'root', 'lib'));
    const libraryPath = ['usr/lib/aarch64-linux-gnu', 'lib/aarch64-linux-gnu'].map((d) => path.join(sysroot, d)).join(':');
    const out = execFileSync('qemu-aarch64', ['-L', path.join(tmp, 'root'), '-E', `LD_LIBRARY_PATH=${libraryPath}`,
      path.join(sysroot, 'usr/bin/node'), path.join(__dirname, 'fixtures/native-probe.js'), jobFile, path.join(tmp, 'grads.bin')], { encoding: 'utf8', timeout: 240_000 });
    const report = JSON.parse(out) as { arch: string; losses: number[]; versions: string; libraries: string[] };
    expect(report.arch).toBe('arm64');
    // The layer's copies, not the machine's (qemu shows the host path behind its -L prefix).
    expect(report.libraries).toEqual(loadNativeLayerDeclaration().files.map((f) => path.join(tmp, 'root', 'opt', f)).sort());
    expect(report.versions).toMatch(/^oneDNN 2\.\d+\.\d+ \(OpenMP\), OpenBLAS/);
    const bytes = fs.readFileSync(path.join(tmp, 'grads.bin'));
    const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    let offset = 0;
    jobs.forEach(({ host }, i) => {
      const arm = all.subarray(offset, offset + host.grad.length);
      offset += host.grad.length;
      const scale = host.grad.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
      const diff = host.grad.reduce((m, g, j) => Math.max(m, Math.abs(g - arm[j])), 0);
      expect(diff / scale).toBeLessThan(1e-5);
      expect(Math.abs(report.losses[i] - host.loss) / host.loss).toBeLessThan(1e-5);
    });
    expect(offset).toBe(all.length);
  }, 300_000);
});
