import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import AdmZip from 'adm-zip';
import { build } from 'esbuild';
import { arm64NativeProblem, packageOf, resolveLayerContents, type LayerContents } from '../../plugins/mltrain/src/layers/closure';
import { loadLayerDeclaration, loadLayerDeclarations, type LayerDeclaration } from '../../plugins/mltrain/src/layers/declaration';
import { assignLayers } from '../../plugins/mltrain/src/layers';
import { checkFunctionSize, checkLayerSize, LAMBDA_LIMITS } from '../../plugins/mltrain/src/layers/limits';
import { bundleRequires, packageName } from '../../plugins/mltrain/src/layers/requirements';
import { writeDeterministicZip } from '../../plugins/mltrain/src/layers/zip';

const ROOT = path.join(__dirname, '..', '..');
const NODE_MODULES = path.join(ROOT, 'node_modules');
const MB = 1024 * 1024;
let tmp: string;
let tfjs: LayerDeclaration;
let contents: LayerContents;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'layers-'));
  tfjs = loadLayerDeclaration(path.join(ROOT, 'layers', 'tfjs', 'layer.json'));
  contents = await resolveLayerContents(tfjs, NODE_MODULES);
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the tfjs layer', () => {
  it('holds what Node loads for tfjs and the wasm backend, and the two .wasm files it needs', () => {
    const rels = contents.files.map((f) => f.rel);
    expect(rels).toEqual(expect.arrayContaining([
      '@tensorflow/tfjs/package.json', '@tensorflow/tfjs/dist/tf.node.js', '@tensorflow/tfjs-core/dist/tf-core.node.js',
      '@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.node.js', '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm',
      '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm', 'seedrandom/index.js', 'long/LICENSE',
    ]));
    expect(contents.provides).toEqual(expect.arrayContaining(['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm']));
  });

  it('is trimmed: no source maps, types, browser or ESM builds, threaded wasm, docs or tests', () => {
    const unwanted = contents.files.filter((f) => /\.map$|\.d\.ts$|\.min\.js$|\.esm\.js$|\.es2017\.js$|threaded|README|\/src\/|test/i.test(f.rel));
    expect(unwanted.map((f) => f.rel)).toEqual([]);
    const kept = contents.files.reduce((s, f) => s + f.size, 0);
    expect(kept).toBeLessThan(12 * MB); // 8.2 MB measured
    expect(contents.installedBytes).toBeGreaterThan(20 * kept); // of ~277 MB installed
  });

  it('leaves tfjs-node out when no linux-arm64 binary is installed, and says why', () => {
    expect(contents.notes).toEqual(['@tensorflow/tfjs-node not included: not installed']);
  });

  it('zips deterministically within Lambda\'s limits and its own budget', () => {
    const inputs = contents.files.map((f) => ({ name: `nodejs/node_modules/${f.rel}`, source: f.abs }));
    const a = writeDeterministicZip(path.join(tmp, 'a.zip'), inputs);
    const b = writeDeterministicZip(path.join(tmp, 'b.zip'), [...inputs].reverse());
    expect(readFileSync(path.join(tmp, 'a.zip')).equals(readFileSync(path.join(tmp, 'b.zip')))).toBe(true);
    expect(a).toEqual(b);
    expect(a.zippedBytes).toBeLessThan(tfjs.budget.zippedMb * MB);
    expect(a.unzippedBytes).toBeLessThan(tfjs.budget.unzippedMb * MB);
    expect(a.unzippedBytes).toBe(contents.files.reduce((s, f) => s + f.size, 0));
  });

  it('runs a handler bundle that excludes tfjs, on wasm, with the .wasm files found in the layer', async () => {
    // Lambda: the layer unpacked under /opt, /opt/nodejs/node_modules on NODE_PATH, the bundle in /var/task.
    const opt = path.join(tmp, 'opt');
    writeDeterministicZip(path.join(tmp, 'layer.zip'), contents.files.map((f) => ({ name: `nodejs/node_modules/${f.rel}`, source: f.abs })));
    new AdmZip(path.join(tmp, 'layer.zip')).extractAllTo(opt);
    const task = path.join(tmp, 'task');
    await build({
      entryPoints: [path.join(__dirname, 'fixtures', 'layer-probe.ts')], outfile: path.join(task, 'probe.js'), bundle: true,
      platform: 'node', target: 'node20', format: 'cjs', external: ['@aws-sdk/*', '@tensorflow/*'], logLevel: 'silent',
    });
    expect(readFileSync(path.join(task, 'probe.js'), 'utf8')).toContain('require("@tensorflow/tfjs")');
    const run = (env: Record<string, string>) => promisify(execFile)(process.execPath, [path.join(task, 'probe.js')], { cwd: task, env: { PATH: process.env.PATH!, ...env } });
    const { stdout } = await run({ NODE_PATH: path.join(opt, 'nodejs', 'node_modules') });
    const out = JSON.parse(stdout);
    expect(out.info).toEqual({ name: 'wasm', detail: `simd, files from ${path.join(opt, 'nodejs/node_modules/@tensorflow/tfjs-backend-wasm/dist')}` });
    expect(out.gradLength).toBe(4 * 128 + 128 + 128 * 2 + 2);
    await expect(run({})).rejects.toThrow(/Cannot find module '@tensorflow\/tfjs'/); // the bundle itself has no tfjs
  }, 60_000);
});

describe('declarations', () => {
  const declare = (folder: string, json: unknown) => {
    const dir = path.join(tmp, 'decls', folder);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'layer.json'), JSON.stringify(json));
    return path.join(dir, 'layer.json');
  };
  const valid = { name: 'x', description: 'd', packages: ['a'], budget: { zippedMb: 1, unzippedMb: 2 } };

  it('reads every layers/<name>/layer.json', () => {
    expect(loadLayerDeclarations(path.join(ROOT, 'layers')).map((d) => d.name)).toEqual(['tfjs']);
  });

  it('names the bad field, an unknown key, or a folder that does not match the name', () => {
    expect(() => loadLayerDeclaration(declare('bad', { ...valid, name: 'bad', packages: [] }))).toThrow(/layer\.json is invalid: packages: /);
    expect(() => loadLayerDeclaration(declare('typo', { ...valid, name: 'typo', pakages: ['a'] }))).toThrow(/Unrecognized key.*pakages/);
    expect(() => loadLayerDeclaration(declare('other', valid))).toThrow('names layer "x" but sits in folder "other"');
  });

  it('fails on a declared asset or package that is not installed', async () => {
    await expect(resolveLayerContents({ ...tfjs, assets: { '@tensorflow/tfjs-backend-wasm': ['dist/nope.wasm'] } }, NODE_MODULES))
      .rejects.toThrow('asset @tensorflow/tfjs-backend-wasm/dist/nope.wasm does not exist');
    await expect(resolveLayerContents({ ...tfjs, packages: ['no-such-package-here'] }, NODE_MODULES)).rejects.toThrow('package no-such-package-here is not installed');
  });
});

describe('native packages join only with a linux-arm64 binary', () => {
  const fakePackage = (name: string, elfMachine?: number) => {
    const dir = path.join(tmp, 'native', name);
    mkdirSync(path.join(dir, 'lib'), { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, main: 'index.js' }));
    if (elfMachine !== undefined) {
      const header = Buffer.alloc(64);
      header.writeUInt32BE(0x7f454c46, 0);
      header[4] = 2; // 64-bit
      header[5] = 1; // little-endian
      header.writeUInt16LE(elfMachine, 18);
      writeFileSync(path.join(dir, 'lib', 'binding.node'), header);
    }
    return dir;
  };
  it('checks the installed binary\'s ELF machine', () => {
    expect(arm64NativeProblem(path.join(tmp, 'native', 'absent'))).toBe('not installed');
    expect(arm64NativeProblem(fakePackage('nobinary'))).toMatch(/^no prebuilt binary installed/);
    expect(arm64NativeProblem(fakePackage('x86', 0x3e))).toBe('its binary lib/binding.node is not built for linux-arm64');
    expect(arm64NativeProblem(fakePackage('arm', 0xb7))).toBeUndefined();
  });
});

describe('which function needs which layer', () => {
  it('reads the packages a bundle requires, leaving out Node built-ins and relative files', () => {
    const bundle = 'var a = require("@tensorflow/tfjs"); require("node:fs"); require("path"); require("./x"); require("@aws-sdk/client-s3"); require("lodash/fp"); require.resolve("@tensorflow/tfjs-backend-wasm/package.json"); const m = require(name);';
    expect(bundleRequires(bundle)).toEqual(['@aws-sdk/client-s3', '@tensorflow/tfjs', 'lodash']);
    expect(packageName('@scope/pkg/deep/file.js')).toBe('@scope/pkg');
    expect(packageOf('@tensorflow/tfjs-core/node_modules/long/src/long.js')).toBe('@tensorflow/tfjs-core/node_modules/long');
    expect(packageOf('seedrandom/lib/alea.js')).toBe('seedrandom');
  });

  it('gives each function the layers providing what it requires, and refuses what no layer provides', () => {
    const needs = [{ fn: 'worker', packages: ['@tensorflow/tfjs', '@tensorflow/tfjs-core'], entries: new Map(), usesNativeEngine: false }, { fn: 'trigger', packages: [], entries: new Map(), usesNativeEngine: false }];
    expect(assignLayers(needs, [tfjs], new Map([['tfjs', contents]]))).toEqual([{ fn: 'worker', layers: ['tfjs'] }, { fn: 'trigger', layers: [] }]);
    expect(() => assignLayers([{ fn: 'worker', packages: ['left-pad'], entries: new Map(), usesNativeEngine: false }], [tfjs], new Map([['tfjs', contents]])))
      .toThrow('function worker requires left-pad, which its bundle leaves out (custom.esbuild.exclude) and no layer under layers/ provides');
  });
});

describe('size limits', () => {
  const contributors = [{ name: 'small', bytes: 1 * MB }, { name: 'huge', bytes: 60 * MB }, { name: 'mid', bytes: 5 * MB }];
  it('names the largest contributors when a layer is over Lambda\'s limits or its budget', () => {
    expect(() => checkLayerSize({ layer: 'big', zippedBytes: 55 * MB, unzippedBytes: 300 * MB, budget: { zippedMb: 100, unzippedMb: 400 }, contributors }))
      .toThrow("layer big is 55.0 MB zipped, over Lambda's 50.0 MB limit for a zip and 300.0 MB unzipped, over Lambda's 250.0 MB limit for a function and its layers; largest contributors: huge 60.0 MB, mid 5.0 MB, small 1.0 MB");
    expect(() => checkLayerSize({ layer: 'tfjs', zippedBytes: 9 * MB, unzippedBytes: 10 * MB, budget: tfjs.budget, contributors }))
      .toThrow('layer tfjs is 9.0 MB zipped, over its budget of 8 MB (layers/tfjs/layer.json); largest contributors: huge 60.0 MB');
    expect(() => checkLayerSize({ layer: 'ok', zippedBytes: MB, unzippedBytes: 2 * MB, budget: { zippedMb: 8, unzippedMb: 24 }, contributors })).not.toThrow();
  });

  it('adds a function\'s code and its layers against the 250 MB limit', () => {
    const layer = { layer: 'tfjs', zippedBytes: 40 * MB, unzippedBytes: 200 * MB, budget: { zippedMb: 50, unzippedMb: 250 }, contributors: [] };
    expect(checkFunctionSize('worker', [{ name: 'handlers/worker.js', bytes: 5 * MB }], [layer])).toBe(205 * MB);
    expect(() => checkFunctionSize('worker', [{ name: 'node_modules/big', bytes: 60 * MB }], [layer]))
      .toThrow("function worker is 260.0 MB unzipped with its layers, over Lambda's 250.0 MB limit; largest contributors: layer tfjs 200.0 MB, node_modules/big 60.0 MB");
    expect(LAMBDA_LIMITS.unzippedFunctionAndLayersBytes).toBe(262_144_000);
  });
});
