import { appendFileSync, readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { startParameterServer } from '../../../lib/ps/server';
import { createLogger } from '../../../lib/util/log';

// The parameter server process: `node server.js --port 27000` on the EC2 instance (bundled by the
// plugin), `node --import tsx services/ps/server/main.ts --host 127.0.0.1 --port N` locally.

function integer(flag: string, min: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min) throw new InvalidArgumentError(`${flag} must be a whole number ≥ ${min}, got "${value}"`);
    return Number(value);
  };
}

async function main(): Promise<void> {
  const opts = new Command('mltrain-parameter-server')
    .description('LambdaML hybrid parameter server (gRPC): ping, register, pull, push, delete')
    .option('--host <address>', 'interface to listen on', '127.0.0.1')
    .option('--port <n>', 'TCP port (0: any free port)', integer('--port', 0), 27000)
    .option('--token-file <path>', 'file holding the shared token callers must send (no token: no authentication)')
    .option('--log-file <path>', 'append JSON-lines logs here instead of stdout')
    .option('--max-wait-seconds <n>', 'longest pull wait a client may ask for', integer('--max-wait-seconds', 1), 900)
    .option('--idle-expiry-minutes <n>', 'drop models untouched for this long', integer('--idle-expiry-minutes', 1), 60)
    .parse()
    .opts<{ host: string; port: number; tokenFile?: string; logFile?: string; maxWaitSeconds: number; idleExpiryMinutes: number }>();

  const write = opts.logFile ? (line: string) => appendFileSync(opts.logFile!, line + '\n') : (line: string) => process.stdout.write(line + '\n');
  const log = createLogger({ service: 'parameter-server', function: 'parameter-server' }, write);
  const token = opts.tokenFile ? readFileSync(opts.tokenFile, 'utf8').trim() : undefined;
  if (opts.tokenFile && !token) throw new Error(`token file ${opts.tokenFile} is empty`);

  const server = await startParameterServer({
    host: opts.host, port: opts.port, token, log, maxWaitMs: opts.maxWaitSeconds * 1000, idleExpiryMs: opts.idleExpiryMinutes * 60_000,
  });
  // The local runtime reads this line to learn the port when it asked for port 0.
  process.stdout.write(`listening on ${server.address}\n`);
  const shutDown = (signal: string) => {
    log.info('stopping', { signal });
    void server.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutDown('SIGTERM'));
  process.once('SIGINT', () => shutDown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`parameter server failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
