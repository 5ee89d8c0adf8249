import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SPIRT_ENV } from '../../frameworks/spirt/deps';
import { PEER_DIRECTORY_ENV, type PeerDatabaseAddress } from '../../frameworks/spirt/peer-directory';
import { spirtRoundDefinition, type SpirtFunctionKey } from '../../frameworks/spirt/state-machine';
import { ensureTensorModule } from '../../stores/tensor-module';
import { startRedis } from '../servers/redis';
import type { ProcessServer } from '../servers/types';
import type { LocalFrameworkSetup } from './registry';

// What a local SPIRT run needs beyond the common servers: one redis-server with the tensor module
// per peer, each with its own password, and the round's state machine for the run's N batches.

export interface SpirtPeerDatabases {
  servers: ProcessServer[];
  /** Function environment pointing each peer at its database (the file holds the passwords). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startPeerDatabases(peers: number, runDir: string): Promise<SpirtPeerDatabases> {
  const modulePath = ensureTensorModule();
  const servers: ProcessServer[] = [];
  try {
    const addresses: PeerDatabaseAddress[] = [];
    for (let p = 0; p < peers; p++) {
      const password = randomBytes(24).toString('base64url');
      const server = await startRedis({ password, modules: [{ path: modulePath }] });
      servers.push(server);
      addresses.push({ endpoint: server.endpoint, password });
    }
    // The run's private folder: readable by this user only, like a SecureString.
    const dir = path.join(runDir, 'private');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, 'peer-databases.json');
    writeFileSync(file, JSON.stringify({ peers: addresses }, null, 2), { mode: 0o600 });
    return { servers, env: { [PEER_DIRECTORY_ENV]: `file:${file}` }, stop: () => stopAll(servers) };
  } catch (err) {
    await stopAll(servers);
    throw err;
  }
}

async function stopAll(servers: ProcessServer[]): Promise<void> {
  await Promise.all(servers.map((s) => s.stop()));
}

export const SPIRT_STATE_MACHINE = 'round';

/** The definition the plugin deploys, with Task resources naming the local functions. */
export function localRoundDefinition(batches: number, functionName: (key: SpirtFunctionKey) => string): Record<string, unknown> {
  return spirtRoundDefinition(batches, functionName);
}

/** The local stand-ins a SPIRT run needs, started before the runtime and wired in after it. */
export async function prepareSpirtLocal(config: { workers: number; batches?: number }, runDir: string, progress: (message: string) => void): Promise<LocalFrameworkSetup> {
  progress(`starting ${config.workers} peer databases (redis-server with the tensor module)`);
  const databases = await startPeerDatabases(config.workers, runDir);
  return {
    environmentOverrides: databases.env,
    events: [{ type: 'peer-databases', pids: databases.servers.map((s) => s.pid) }],
    afterStart(runtime) {
      const name = (key: string) => runtime.functionDefinition('spirt', key).functionName;
      // The name the functions read from MLTRAIN_STATE_MACHINE_NAME (serverless.yml sets it).
      const machine = runtime.functionDefinition('spirt', 'trigger').environment[SPIRT_ENV.stateMachine];
      if (!machine) throw new Error(`services/spirt/serverless.yml gives the trigger no ${SPIRT_ENV.stateMachine}`);
      runtime.stepFunctions.register(machine, localRoundDefinition(config.batches ?? 4, name));
    },
    stop: databases.stop,
  };
}
