import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleEntry } from '../../lib/local/lambda/bundles';
import { callsImport } from '../../lib/local/lambda/compile-cache';

// A sandbox compiles what it loads at init with V8's code cache of an earlier sandbox. Jest runs
// modules through its own loader, so the cache is exercised in a separate node process.

const COMPILE_CACHE_SOURCE = path.resolve(__dirname, '..', '..', 'lib', 'local', 'lambda', 'compile-cache.ts');
let compileCache: string; // its bundle, as child.ts's bundle contains it: plain node loads it
let dir: string;
beforeAll(async () => { compileCache = await bundleEntry(COMPILE_CACHE_SOURCE); });
beforeEach(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'compile-cache-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface Load { hits: number; misses: number; saved: number; value: string; imported: string }

/** Loads entry.js in a fresh node process with the code cache in dir/cache, as child.ts does. */
function loadInFreshProcess(): Load {
  const script = path.join(dir, 'load.js');
  writeFileSync(script, [
    `const { startCompileCache } = require(${JSON.stringify(compileCache)});`,
    `const cache = startCompileCache(${JSON.stringify(path.join(dir, 'cache'))});`,
    `const entry = require(${JSON.stringify(path.join(dir, 'entry.js'))});`,
    'const stats = cache.stats();',
    'const saved = cache.save();',
    'cache.stop();',
    'entry.later().then((imported) => console.log(JSON.stringify({ ...stats, saved, value: entry.value, imported })));',
  ].join('\n'));
  return JSON.parse(execFileSync(process.execPath, [script], { encoding: 'utf8' })) as Load;
}

function writeModules(helperValue: string): void {
  writeFileSync(path.join(dir, 'helper.js'), `module.exports = { value: ${JSON.stringify(helperValue)}, dir: __dirname };\n`);
  writeFileSync(path.join(dir, 'entry.js'), [
    "const helper = require('./helper');",
    "if (require.resolve('./helper') !== require('path').join(__dirname, 'helper.js')) throw new Error('require.resolve is wrong');",
    'exports.value = `${helper.value} from ${helper.dir === __dirname ? "here" : helper.dir}`;',
    "exports.later = () => require('./dynamic').load();",
  ].join('\n'));
  // Requires after init go through Node's own loader; this one also calls import().
  writeFileSync(path.join(dir, 'dynamic.js'), "exports.load = () => import('node:os').then((os) => typeof os.cpus);\n");
}

test('the second process compiles with the first one\'s cache; a changed file is compiled afresh', () => {
  writeModules('cached');
  expect(loadInFreshProcess()).toEqual({ hits: 0, misses: 2, saved: 2, value: 'cached from here', imported: 'function' });
  expect(readdirSync(path.join(dir, 'cache')).filter((f) => f.endsWith('.v8'))).toHaveLength(2);
  expect(loadInFreshProcess()).toEqual({ hits: 2, misses: 0, saved: 0, value: 'cached from here', imported: 'function' });
  writeModules('changed');
  expect(loadInFreshProcess()).toEqual({ hits: 1, misses: 1, saved: 1, value: 'changed from here', imported: 'function' });
});

test('cached data V8 rejects (another V8, a damaged file) is compiled afresh and replaced', () => {
  writeModules('cached');
  loadInFreshProcess();
  const cacheFiles = readdirSync(path.join(dir, 'cache')).map((f) => path.join(dir, 'cache', f));
  for (const file of cacheFiles) writeFileSync(file, Buffer.from('not a code cache'));
  expect(loadInFreshProcess()).toMatchObject({ hits: 0, misses: 2, saved: 2, value: 'cached from here' });
  expect(loadInFreshProcess()).toMatchObject({ hits: 2, misses: 0, saved: 0 });
  writeFileSync(cacheFiles[0], Buffer.from('damaged'));
  expect(loadInFreshProcess()).toMatchObject({ hits: 1, misses: 1, saved: 1 });
});

test('a file that may call import() is left to Node (V8 drops its import callback with cached data)', () => {
  expect(callsImport("const os = await import('node:os');")).toBe(true);
  expect(callsImport('x = 1;\nreturn import ("./y.js");')).toBe(true);
  expect(callsImport('return [4, hashTable.import(keys, values)];')).toBe(false);
  expect(callsImport('  // an inline `import()` of an ESM path\nconst a = 1;')).toBe(false);
  expect(callsImport(' * Loads it with import() when needed.\n')).toBe(false);
  expect(callsImport('reimport(x);')).toBe(false);
});
