import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleEntries, bundleEntry, deployedBuildOptions } from '../../lib/local/lambda/bundles';

// The local Lambda runs esbuild bundles built with serverless.base.yml's options, cached by the
// content of every input: the same sources give the same bundle without a build, a changed import
// gives a new one, and a handler that does not build is reported for that handler alone.

let dir: string;
let cacheDir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'bundles-src-'));
  cacheDir = mkdtempSync(path.join(os.tmpdir(), 'bundles-cache-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
});

test('options are those serverless-esbuild reads from serverless.base.yml', () => {
  const { options } = deployedBuildOptions();
  expect(options).toMatchObject({ bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: 'linked' });
  expect(options.external).toEqual(expect.arrayContaining(['@aws-sdk/*', '@tensorflow/*']));
  expect(options.plugins?.map((p) => p.name)).toContain('copy-ps-proto');
});

test('a bundle is reused while its inputs are unchanged and rebuilt when an import changes', async () => {
  const entry = path.join(dir, 'handler.ts');
  writeFileSync(path.join(dir, 'answer.ts'), 'export const answer: number = 41;\n');
  writeFileSync(entry, "import { answer } from './answer';\nexport async function handler() { return answer + 1; }\n");
  const first = await bundleEntry(entry, cacheDir);
  const builtAt = readFileSync(first, 'utf8');
  expect(await bundleEntry(entry, cacheDir)).toBe(first);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  expect(await (require(first) as { handler: () => Promise<number> }).handler()).toBe(42);
  writeFileSync(path.join(dir, 'answer.ts'), 'export const answer: number = 99;\n');
  const second = await bundleEntry(entry, cacheDir);
  expect(second).not.toBe(first);
  expect(readFileSync(second, 'utf8')).toContain('99');
  expect(readFileSync(first, 'utf8')).toBe(builtAt); // the old bundle is left as it was
});

test('a handler that does not build is reported with esbuild\'s message; the others build', async () => {
  writeFileSync(path.join(dir, 'good.ts'), 'export const handler = async () => 1;\n');
  writeFileSync(path.join(dir, 'bad.ts'), "import { nothing } from './missing';\nexport const handler = async () => nothing;\n");
  const results = await bundleEntries([path.join(dir, 'good.ts'), path.join(dir, 'bad.ts')], cacheDir);
  expect(results.get(path.join(dir, 'good.ts'))?.bundle).toMatch(/good\.js$/);
  expect(results.get(path.join(dir, 'bad.ts'))?.error).toMatch(/Could not resolve "\.\/missing"/);
});
