import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

// `sls package` refuses a malformed --param before anything is built, naming the parameter and
// what it takes (plugins/mltrain/src/params): the cases of issue 13. Each fails while the plugin
// loads (~4 s of CPU); the other refusals are unit-tested in test/plugin/params.test.ts.

const ROOT = path.join(__dirname, '..', '..');

const CASES: [service: string, param: string, message: string][] = [
  ['spirt', 'batches=0x10', '--param batches=0x10 is refused (not a whole number in decimal digits): batches takes a whole number from 1 to 64, in decimal digits'],
  ['spirt', 'batches=1e1', '--param batches=1e1 is refused (not a whole number in decimal digits): batches takes a whole number from 1 to 64'],
  ['spirt', 'batchs=8', '--param batchs is not a parameter of this service; it takes batches, peers, workflow'],
  ['gpu', 'instanceType=t3.micro', '--param instanceType=t3.micro is refused (not a GPU instance type): instanceType takes an x86_64 NVIDIA GPU instance type'],
  ['gpu', 'instanceType=g5g.xlarge', '--param instanceType=g5g.xlarge is refused (an arm64 (Graviton) GPU type: the Deep Learning AMI and the trainer bundle are x86_64)'],
  ['mlless', 'workers=-1', '--param workers=-1 is refused (not a whole number in decimal digits): workers takes a whole number from 1 to 32'],
];

jest.setTimeout(300_000);

async function packageOutput(service: string, param: string): Promise<{ code: number; output: string }> {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'no-such-profile' };
  const bin = path.join(ROOT, 'node_modules', '.bin', 'serverless');
  try {
    const { stdout, stderr } = await promisify(execFile)(bin, ['package', '--stage', 'dev', '--param', param, '--package', '/nonexistent/never-written'], { cwd: path.join(ROOT, 'services', service), env });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

test('each malformed --param stops sls package with a message naming it and what it takes', async () => {
  const results: { code: number; output: string }[] = [];
  for (let i = 0; i < CASES.length; i += 3) {
    results.push(...await Promise.all(CASES.slice(i, i + 3).map(([service, param]) => packageOutput(service, param))));
  }
  CASES.forEach(([service, param, message], i) => {
    expect({ service, param, code: results[i].code }).toEqual({ service, param, code: 1 });
    expect(results[i].output).toContain(`mltrain: ${message}`);
    expect(results[i].output).not.toMatch(/at validateParams/); // a message, not a stack trace
  });
});
