import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { FrameworkName } from '../../frameworks/catalog';
import type { TrainingConfig } from '../../frameworks/run/training-config';
import { ensureTensorModule, tensorModuleState } from '../../stores/tensor-module';
import { localServerKinds, needsTensorModule } from '../frameworks/registry';
import { findOnPath } from '../servers/binary';
import type { ServerKind } from '../servers/types';

// What a local run needs on this machine beyond npm packages (server binaries, the tensor module's
// build tools), installed before the run when it can be done without a prompt (root, or sudo
// without a password), as `mltrain doctor --fix` does; otherwise the run stops with the command.

/** Server kinds that run a Debian-packaged binary (the others are npm packages). */
const SERVER_BINARIES: Partial<Record<ServerKind, { binary: string; aptPackage: string }>> = {
  redis: { binary: 'redis-server', aptPackage: 'redis-server' },
  memcached: { binary: 'memcached', aptPackage: 'memcached' },
};

export type Privilege = 'root' | 'sudo';

export interface SetupDeps {
  /** PATH the binaries are looked up on. */
  path: () => string;
  /** How apt-get can run without a password prompt, if at all. */
  privilege: () => Privilege | undefined;
  install: (packages: string[], via: Privilege) => void;
  tensorModuleState: () => 'built' | 'stale' | 'missing';
  buildTensorModule: () => void;
  hasCHeaders: () => boolean;
}

export const systemSetup: SetupDeps = {
  path: () => process.env.PATH ?? '',
  privilege: () => (process.getuid?.() === 0 ? 'root' : spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0 ? 'sudo' : undefined),
  install: aptInstall,
  tensorModuleState: () => tensorModuleState(),
  buildTensorModule: () => { ensureTensorModule(); },
  hasCHeaders: () => existsSync('/usr/include/stdio.h'),
};

/** Debian packages the run lacks, and whether the tensor module must be built. */
export function missingPrerequisites(framework: FrameworkName, config: { channel?: TrainingConfig['channel'] }, deps: SetupDeps): { packages: string[]; buildModule: boolean } {
  const onPath = (binary: string) => !!findOnPath(binary, deps.path());
  const servers = localServerKinds(framework, config).flatMap((kind) => SERVER_BINARIES[kind] ?? []);
  const packages = servers.filter((s) => !onPath(s.binary)).map((s) => s.aptPackage);
  const buildModule = needsTensorModule(framework) && deps.tensorModuleState() !== 'built';
  if (buildModule) {
    packages.push(...['gcc', 'make'].filter((tool) => !onPath(tool)));
    if (!deps.hasCHeaders()) packages.push('libc6-dev');
  }
  return { packages: [...new Set(packages)], buildModule };
}

/** Installs and builds what the run lacks, saying so in a line each; throws with the command to run when it cannot. */
export async function ensureLocalPrerequisites(
  framework: FrameworkName, config: { channel?: TrainingConfig['channel'] }, opts: { say: (line: string) => void; deps?: SetupDeps },
): Promise<void> {
  const deps = opts.deps ?? systemSetup;
  const { packages, buildModule } = missingPrerequisites(framework, config, deps);
  if (packages.length) {
    const via = deps.privilege();
    const command = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
    if (!via) {
      throw new Error(`${framework} needs ${packages.join(', ')}, which this machine lacks, and installing it needs root: run 'sudo ${command}' (or 'sudo npx mltrain doctor --fix'), then run again`);
    }
    opts.say(`${framework} needs ${packages.join(', ')}: installing with ${via === 'sudo' ? 'sudo ' : ''}${command} (once)`);
    deps.install(packages, via);
    const still = missingPrerequisites(framework, config, { ...deps, tensorModuleState: () => 'built' }).packages;
    if (still.length) throw new Error(`installed ${packages.join(' ')}, but ${still.join(', ')} is still not on PATH (${deps.path()})`);
  }
  if (buildModule) {
    opts.say('building the Redis tensor module (make -C redisai, once)');
    deps.buildTensorModule();
  }
}

/**
 * apt-get update and install (its output on stderr: stdout may be a results JSON); the services
 * Debian starts are stopped (mltrain starts its own on free ports). `prompt`: sudo may ask for a password.
 */
export function aptInstall(packages: string[], via: Privilege, prompt = false): void {
  const sudo = prompt ? ['sudo'] : ['sudo', '-n'];
  const command = (args: string[]) => (via === 'root' ? args : [...sudo, ...args]);
  const run = (args: string[]) => {
    const [file, ...rest] = command(args);
    execFileSync(file, rest, { stdio: [prompt ? 'inherit' : 'ignore', 2, 2], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  };
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages]);
  for (const service of packages) {
    const [file, ...rest] = command(['service', service, 'stop']);
    spawnSync(file, rest, { stdio: 'ignore' });
  }
}
