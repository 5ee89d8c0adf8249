import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { ParameterServerClient } from '../../ps/client';
import { PS_ENV } from '../../ps/environment';
import { startChildServer } from './child-server';
import { withPortRetry } from './free-port';
import type { ProcessServer } from './types';

// The hybrid parameter server as a local process: the same entry point the EC2 instance runs,
// on 127.0.0.1, with a fresh shared token in a private (0600) file that the functions read.

export interface ParameterServerLaunchOptions {
  /** Append the server's JSON-lines log here (e.g. runs/<runId>/logs/parameter-server.jsonl). */
  logFile?: string;
  startTimeoutMs?: number;
}

const SERVER_MAIN = path.resolve(__dirname, '..', '..', '..', 'services', 'ps', 'server', 'main.ts');

export async function startParameterServer(opts: ParameterServerLaunchOptions = {}): Promise<ProcessServer> {
  if (opts.logFile) await fs.mkdir(path.dirname(opts.logFile), { recursive: true });
  return withPortRetry((port) => startOnPort(port, opts));
}

async function startOnPort(port: number, opts: ParameterServerLaunchOptions): Promise<ProcessServer> {
  const privateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mltrain-ps-'));
  const tokenFile = path.join(privateDir, 'token');
  const token = randomBytes(24).toString('base64url');
  await fs.writeFile(tokenFile, token, { mode: 0o600, flag: 'wx' });
  const endpoint = `127.0.0.1:${port}`;

  const child = await startChildServer({
    name: 'parameter-server',
    binary: process.execPath,
    args: ['--import', 'tsx', SERVER_MAIN, '--host', '127.0.0.1', '--port', String(port), '--token-file', tokenFile,
      ...(opts.logFile ? ['--log-file', opts.logFile] : [])],
    port,
    isReady: async (_port, pid) => {
      const client = new ParameterServerClient({ endpoint, token, callTimeoutMs: 1000, unavailableRetryMs: 0 });
      try {
        return (await client.ping()).pid === pid;
      } finally {
        client.close();
      }
    },
    startTimeoutMs: opts.startTimeoutMs ?? 20_000,
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 5_000,
    cleanup: () => fs.rm(privateDir, { recursive: true, force: true }),
  });
  return {
    kind: 'parameter-server',
    host: '127.0.0.1',
    port,
    pid: child.pid,
    endpoint,
    env: { [PS_ENV.endpoint]: endpoint, [PS_ENV.tokenFile]: tokenFile },
    stop: child.stop,
  };
}
