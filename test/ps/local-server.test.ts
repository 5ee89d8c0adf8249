import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listTracked } from '../../lib/local/processes';
import { startServers } from '../../lib/local/servers';
import { ParameterServerClient } from '../../lib/ps/client';
import { readParameterServerEnvironment } from '../../lib/ps/environment';
import { acceptsConnections, eventually, isProcessGone } from '../local/servers/helpers';

// The local runtime's parameter server: a real child process (the entry point the EC2 instance
// runs) on 127.0.0.1, reachable through the environment it publishes, gone after stop.

test('starts the server process, publishes endpoint and token file (not the token), and leaves nothing after stop', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ps-local-'));
  const logFile = path.join(dir, 'logs', 'parameter-server.jsonl');
  const set = await startServers(['parameter-server'], { 'parameter-server': { logFile } });
  const server = set.servers['parameter-server']!;
  const pid = (server as unknown as { pid: number }).pid;
  try {
    expect(server.endpoint).toBe(`127.0.0.1:${server.port}`);
    expect(Object.keys(set.env).sort()).toEqual(['MLTRAIN_PS_ENDPOINT', 'MLTRAIN_PS_TOKEN_FILE']);
    const tokenFile = set.env.MLTRAIN_PS_TOKEN_FILE;
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const token = readFileSync(tokenFile, 'utf8');
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(JSON.stringify(set.env)).not.toContain(token);

    const fromEnv = readParameterServerEnvironment(set.env);
    expect(fromEnv).toEqual({ endpoint: server.endpoint, token });
    const client = new ParameterServerClient(fromEnv);
    try {
      expect(await client.ping()).toMatchObject({ server: 'mltrain-parameter-server', pid, models: 0 });
    } finally {
      client.close();
    }
    expect(listTracked().stoppables.some((name) => name.startsWith(`parameter-server (pid ${pid}`))).toBe(true);
    expect(readFileSync(logFile, 'utf8')).toContain('"message":"parameter server listening"');

    await set.stop();
    expect(await eventually(() => isProcessGone(pid), 5000)).toBe(true);
    expect(await acceptsConnections(server.port)).toBe(false);
    expect(existsSync(tokenFile)).toBe(false);
    expect(listTracked().stoppables.some((name) => name.includes(`pid ${pid}`))).toBe(false);
    expect(readFileSync(logFile, 'utf8')).toContain('"message":"stopping","signal":"SIGTERM"');
  } finally {
    await set.stop();
    if (!isProcessGone(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

test('readParameterServerEnvironment names what is missing or malformed', () => {
  expect(() => readParameterServerEnvironment({})).toThrow(/MLTRAIN_PS_ENDPOINT is not set/);
  expect(() => readParameterServerEnvironment({ MLTRAIN_PS_ENDPOINT: 'http://10.0.0.5:27000' })).toThrow(/must be host:port, got "http:\/\/10.0.0.5:27000"/);
  expect(readParameterServerEnvironment({ MLTRAIN_PS_ENDPOINT: '10.0.0.5:27000' })).toEqual({ endpoint: '10.0.0.5:27000' });
});
