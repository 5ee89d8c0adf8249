import { FRAMEWORKS, type FrameworkName } from '../../frameworks/catalog';
import type { TrainingConfig } from '../../frameworks/run/training-config';
import type { LocalFunctionDefinition } from '../lambda/service-definition';
import type { LocalRunEvent } from '../run-events';
import type { ServerKind } from '../servers/types';
import { prepareSpirtLocal } from './spirt';

// What a framework needs locally beyond its servers (catalog's `servers`): stand-ins started before
// the runtime and wired into it afterwards. One entry per framework that needs any; the others
// run on the common servers alone.

export interface LocalFrameworkSetup {
  /** Function environment that replaces what serverless.yml says (e.g. where SPIRT's peer databases are). */
  environmentOverrides: Record<string, string>;
  /** Told to the run's listener once the runtime is up. */
  events: LocalRunEvent[];
  afterStart(runtime: LocalRuntimeView): void;
  stop(): Promise<void>;
}

/** The parts of the runtime a setup wires into. */
export interface LocalRuntimeView {
  functionDefinition(service: string, key: string): LocalFunctionDefinition;
  stepFunctions: { register(name: string, definition: Record<string, unknown>): void };
}

interface LocalNeeds {
  prepare: (config: TrainingConfig, runDir: string, progress: (message: string) => void) => Promise<LocalFrameworkSetup>;
  /** Needs the Redis tensor module (redisai/, built with make and a C compiler). */
  tensorModule?: boolean;
}

const LOCAL_NEEDS: Partial<Record<FrameworkName, LocalNeeds>> = {
  spirt: { prepare: prepareSpirtLocal, tensorModule: true },
};

/** Starts what `framework` needs locally, if anything. */
export function prepareFrameworkLocal(framework: FrameworkName, config: TrainingConfig, runDir: string, progress: (message: string) => void): Promise<LocalFrameworkSetup | undefined> {
  return LOCAL_NEEDS[framework]?.prepare(config, runDir, progress) ?? Promise.resolve(undefined);
}

export function needsTensorModule(framework: FrameworkName): boolean {
  return LOCAL_NEEDS[framework]?.tensorModule === true;
}

/** The framework's own servers, plus the store its --channel names (S3 runs anyway). */
export function localServerKinds(framework: FrameworkName, config: { channel?: TrainingConfig['channel'] }): ServerKind[] {
  const channel = config.channel && config.channel !== 's3' ? [config.channel] : [];
  return [...new Set([...FRAMEWORKS[framework].servers as ServerKind[], ...channel])];
}
