import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../lib/cli/main';
import { saveResults } from '../../lib/local/results-file';

// `mltrain run` refuses a bad --out and --lambda-timeout before anything starts (no servers, no
// training), naming the flag; results are written under the run's folder first, so a failed copy
// to --out keeps them.

async function runCli(...args: string[]): Promise<{ code: number; err: string; ms: number }> {
  let err = '';
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err += String(chunk); return true; });
  const t0 = Date.now();
  try {
    const code = await main(['node', 'mltrain', ...args]);
    return { code, err, ms: Date.now() - t0 };
  } finally {
    spy.mockRestore();
  }
}

let runsDir: string;
beforeAll(() => { runsDir = mkdtempSync(path.join(os.tmpdir(), 'run-validation-')); });
afterAll(() => rmSync(runsDir, { recursive: true, force: true }));

test.each([
  ['/etc/hostname/r.json', /--out \/etc\/hostname\/r\.json: \/etc\/hostname is not a directory/],
  ['/proc/sys/r.json', /--out \/proc\/sys\/r\.json: cannot write there \((EACCES|EROFS)\)/],
  [os.tmpdir(), /is a directory, not a file/],
])('--out %s is refused naming the flag and the path, before anything runs', async (out, message) => {
  const { code, err, ms } = await runCli('run', 'allreduce', '--dataset', 'synthetic', '--runs-dir', runsDir, '--out', out);
  expect(code).toBe(2);
  expect(err).toMatch(message);
  expect(ms).toBeLessThan(2000); // nothing started
  expect(existsSync(runsDir) && require('node:fs').readdirSync(runsDir)).toEqual([]);
});

test.each(['abc', '0', '-1', ''])('--lambda-timeout "%s" is refused naming the flag', async (value) => {
  const { code, err } = await runCli('run', 'allreduce', '--dataset', 'synthetic', '--runs-dir', runsDir, '--lambda-timeout', value);
  expect(code).toBe(2);
  expect(err).toContain(`--lambda-timeout must be a number of seconds greater than 0, got "${value}"`);
});

// Every framework: a batch larger than a worker's shard would train on the whole shard and record
// the larger size. synthetic has 4,096 training rows: 2,048 per shard with --workers 2.
test.each(['allreduce', 'scatter-reduce', 'ps', 'mlless', 'spirt', 'gpu'])('%s: --batch-size larger than a shard is refused with the numbers, before anything runs', async (framework) => {
  const { code, err, ms } = await runCli('run', framework, '--dataset', 'synthetic', '--workers', '2', '--runs-dir', runsDir, '--batch-size', '8192');
  expect(code).toBe(2);
  expect(err).toContain('--batch-size 8,192 on a 2,048-row shard (4,096 synthetic training rows / 2 workers): use --batch-size 2,048 or less, or fewer workers');
  expect(ms).toBeLessThan(2000); // nothing started
  expect(require('node:fs').readdirSync(runsDir)).toEqual([]);
});

test('--batch-size is checked against the shard of the bounded data (--train-samples), also in mltrain compare', async () => {
  const bounded = await runCli('run', 'allreduce', '--dataset', 'synthetic', '--train-samples', '1000', '--workers', '4', '--batch-size', '251', '--runs-dir', runsDir);
  expect(bounded.err).toContain('--batch-size 251 on a 250-row shard (1,000 synthetic training rows / 4 workers)');
  const compare = await runCli('compare', '--frameworks', 'allreduce,gpu', '--dataset', 'mnist', '--workers', '8', '--batch-size', '7501', '--runs-dir', runsDir);
  expect(compare.code).toBe(2);
  expect(compare.err).toContain('--batch-size 7,501 on a 7,500-row shard (60,000 mnist training rows / 8 workers)');
});

test('results go to the run folder first: a copy to --out that fails keeps them there and says where', () => {
  const runDir = path.join(runsDir, 'some-run');
  expect(() => saveResults({ accuracy: 0.9 }, runDir, '/proc/sys/r.json')).toThrow(`they are kept in ${path.join(runDir, 'results.json')}`);
  expect(JSON.parse(readFileSync(path.join(runDir, 'results.json'), 'utf8'))).toEqual({ accuracy: 0.9 });
  const out = path.join(runsDir, 'copies', 'r.json');
  expect(saveResults({ accuracy: 0.8 }, runDir, out)).toBe(out);
  expect(readFileSync(out, 'utf8')).toBe(readFileSync(path.join(runDir, 'results.json'), 'utf8'));
});
