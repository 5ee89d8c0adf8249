import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureLocalPrerequisites, missingPrerequisites, type SetupDeps } from '../../lib/local/setup/prerequisites';

// What `npm start` does on a machine without redis-server, memcached or the module's build tools:
// installs them when it can without a prompt, says so in one line, else stops with the command.
// A PATH of an empty folder plays the fresh machine; the installer puts fake binaries there.

let bin: string;
beforeEach(() => { bin = mkdtempSync(path.join(os.tmpdir(), 'fresh-path-')); });
afterEach(() => rmSync(bin, { recursive: true, force: true }));

const BINARY_OF: Record<string, string> = { 'redis-server': 'redis-server', memcached: 'memcached', gcc: 'gcc', make: 'make' };

type FakeMachine = SetupDeps & { installed: string[][]; built: number };

function freshMachine(over: Partial<SetupDeps> = {}): FakeMachine {
  const deps: FakeMachine = {
    installed: [] as string[][], built: 0,
    path: () => bin,
    privilege: () => 'root',
    install(packages: string[]) {
      deps.installed.push(packages);
      for (const p of packages) if (BINARY_OF[p]) fakeBinary(BINARY_OF[p]);
    },
    tensorModuleState: () => (deps.built ? 'built' : 'missing'),
    buildTensorModule: () => { deps.built++; },
    hasCHeaders: () => deps.installed.flat().includes('libc6-dev'),
    ...over,
  };
  return deps;
}

function fakeBinary(name: string): void {
  writeFileSync(path.join(bin, name), '#!/bin/sh\n');
  chmodSync(path.join(bin, name), 0o755);
}

test('spirt on a fresh machine: redis-server and the build tools are installed in one go, then the module is built, each said in a line', async () => {
  const deps = freshMachine();
  const lines: string[] = [];
  await ensureLocalPrerequisites('spirt', {}, { say: (l) => lines.push(l), deps });
  expect(deps.installed).toEqual([['redis-server', 'gcc', 'make', 'libc6-dev']]);
  expect(deps.built).toBe(1);
  expect(lines).toEqual([
    'spirt needs redis-server, gcc, make, libc6-dev: installing with apt-get install -y --no-install-recommends redis-server gcc make libc6-dev (once)',
    'building the Redis tensor module (make -C redisai, once)',
  ]);
  // The next run finds everything and says nothing.
  lines.length = 0;
  await ensureLocalPrerequisites('spirt', {}, { say: (l) => lines.push(l), deps });
  expect(lines).toEqual([]);
  expect(deps.installed).toHaveLength(1);
});

test('the channel a run names counts: allreduce over memcached needs memcached, over S3 nothing', () => {
  const deps = freshMachine();
  expect(missingPrerequisites('allreduce', { channel: 'memcached' }, deps)).toEqual({ packages: ['memcached'], buildModule: false });
  expect(missingPrerequisites('allreduce', { channel: 's3' }, deps)).toEqual({ packages: [], buildModule: false });
  expect(missingPrerequisites('mlless', {}, deps).packages).toEqual(['redis-server']);
});

test('without root or password-less sudo, the run stops with the exact command and installs nothing', async () => {
  const deps = freshMachine({ privilege: () => undefined });
  await expect(ensureLocalPrerequisites('mlless', {}, { say: () => undefined, deps }))
    .rejects.toThrow("mlless needs redis-server, which this machine lacks, and installing it needs root: run 'sudo apt-get install -y --no-install-recommends redis-server'");
  expect(deps.installed).toEqual([]);
});

test('an installer that leaves the binary missing is reported, not ignored', async () => {
  const deps = freshMachine({ install: () => undefined });
  await expect(ensureLocalPrerequisites('mlless', {}, { say: () => undefined, deps })).rejects.toThrow(/installed redis-server, but redis-server is still not on PATH/);
});
