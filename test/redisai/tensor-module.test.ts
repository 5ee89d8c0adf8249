/** ensureTensorModule: the module's path, built when missing or stale, and clear errors when it cannot be. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureTensorModule, TENSOR_MODULE_PATH, TENSOR_MODULE_SOURCE_DIR } from '../../lib/stores/tensor-module';

let scratch: string;
const savedPath = process.env.PATH;

/** A copy of redisai/ (sources and Makefile only) to build without touching the real one. */
function copySources(name: string): string {
  const dir = path.join(scratch, name);
  fs.mkdirSync(dir);
  fs.copyFileSync(path.join(TENSOR_MODULE_SOURCE_DIR, 'Makefile'), path.join(dir, 'Makefile'));
  fs.cpSync(path.join(TENSOR_MODULE_SOURCE_DIR, 'src'), path.join(dir, 'src'), { recursive: true });
  return dir;
}

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tensor-build-'));
});
afterEach(() => {
  process.env.PATH = savedPath;
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

it('gives the absolute path of the built module under redisai/build', () => {
  expect(ensureTensorModule()).toBe(TENSOR_MODULE_PATH);
  expect(path.isAbsolute(TENSOR_MODULE_PATH)).toBe(true);
  expect(TENSOR_MODULE_PATH).toBe(path.join(TENSOR_MODULE_SOURCE_DIR, 'build', 'mltrain_tensor.so'));
  expect(fs.statSync(TENSOR_MODULE_PATH).size).toBeGreaterThan(10_000);
});

it('builds a missing module, leaves an up-to-date one alone, and rebuilds after a source changes', () => {
  const dir = copySources('fresh');
  const built = ensureTensorModule(dir);
  expect(built).toBe(path.join(dir, 'build', 'mltrain_tensor.so'));
  const firstBuild = fs.statSync(built).mtimeMs;
  expect(ensureTensorModule(dir)).toBe(built);
  expect(fs.statSync(built).mtimeMs).toBe(firstBuild);
  // A source newer than the module (make compares modification times).
  const later = new Date(firstBuild + 5_000);
  fs.utimesSync(path.join(dir, 'src', 'kernels.c'), later, later);
  ensureTensorModule(dir);
  expect(fs.statSync(built).mtimeMs).toBeGreaterThan(firstBuild);
  // Nothing but the module is left in build/ (written under a temporary name, then renamed).
  expect(fs.readdirSync(path.join(dir, 'build'))).toEqual(['mltrain_tensor.so']);
});

it('names the missing tools when it cannot build', () => {
  const dir = copySources('no-tools');
  process.env.PATH = path.join(scratch, 'empty-bin');
  expect(() => ensureTensorModule(dir)).toThrow(
    `cannot build the Redis tensor module (${path.join(dir, 'build', 'mltrain_tensor.so')}): make and gcc not found on PATH; install them (Debian: apt-get install -y make gcc) or run 'mltrain doctor --fix'`,
  );
});

it("shows the compiler's complaint when the build fails", () => {
  const dir = copySources('broken');
  fs.appendFileSync(path.join(dir, 'src', 'kernels.c'), '\nthis is not C;\n');
  expect(() => ensureTensorModule(dir)).toThrow(/building the Redis tensor module failed \(make -C .*broken\):\n[\s\S]*kernels\.c.*error/);
  expect(fs.existsSync(path.join(dir, 'build', 'mltrain_tensor.so'))).toBe(false);
});
