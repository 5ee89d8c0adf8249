import type Redis from 'ioredis';
import { isDiskFull, nameFailure, networkCause, UnreachableError } from './failure-names';

// ioredis connections name their failures by role, applied once where a connection is made.
// ioredis rejects a command on a dead server with its own words ("Reached the max retries per
// request limit", "Connection is closed.") and reports the socket's error (ECONNREFUSED) only as
// an 'error' event: the last such event gives the command's rejection its cause.

const NAMED = Symbol('mltrain redis failures named');

interface CommandLike {
  reject: (err: Error) => void;
  [NAMED]?: true;
}

/** ioredis's own rejections of a command it could not send or got no answer to. */
const GAVE_UP: [RegExp, string][] = [
  [/max retries per request/i, 'gave up reconnecting'],
  [/Connection is closed/i, 'connection closed'],
  [/Stream isn't writeable/i, 'not connected'],
  [/Command timed out/i, 'no reply in time (command timed out)'],
];

function gaveUpCause(message: string): string | undefined {
  return GAVE_UP.find(([pattern]) => pattern.test(message))?.[1];
}

function nameCommandError(err: Error, lastConnectionError: unknown, role: string): Error {
  // A server's reply (WRONGTYPE, a module's refusal) stays as it is, unless it says the disk is
  // full (Redis: "MISCONF ... No space left on device").
  if (err.name === 'ReplyError') return isDiskFull(err) ? (nameFailure(err, role) as Error) : err;
  const named = nameFailure(err, role) as Error;
  if (named !== err) return named;
  const given = gaveUpCause(err.message);
  if (!given) return err;
  const socket = networkCause(lastConnectionError);
  return new UnreachableError(role, socket ? `${socket} (${given})` : given, { cause: err });
}

/** "redis://10.0.0.3:6379": the URL without credentials, for messages. */
export function redisEndpoint(redis: Redis): string {
  const { host, port, tls } = redis.options;
  return `${tls ? 'rediss' : 'redis'}://${host ?? 'localhost'}:${port ?? 6379}`;
}

/**
 * Makes every command of `redis` that fails for want of the server reject with UnreachableError
 * (or DiskFullError) naming `role`, e.g. "the redis channel (redis://127.0.0.1:6379)". Socket
 * errors are then reported through the failing commands, not as unhandled 'error' events.
 */
export function nameRedisFailures(redis: Redis, role: string): Redis {
  const marked = redis as Redis & { [NAMED]?: true };
  if (marked[NAMED]) return redis;
  marked[NAMED] = true;
  let lastConnectionError: unknown;
  redis.on('error', (err: unknown) => {
    lastConnectionError = err;
  });
  redis.on('ready', () => {
    lastConnectionError = undefined;
  });
  const send = redis.sendCommand.bind(redis) as (command: CommandLike, ...rest: unknown[]) => unknown;
  (redis as { sendCommand: unknown }).sendCommand = (command: CommandLike, ...rest: unknown[]) => {
    // A command queued while offline is sent again on reconnection: wrap its reject once.
    if (!command[NAMED]) {
      const reject = command.reject;
      command.reject = (err: Error) => reject(nameCommandError(err, lastConnectionError, role));
      command[NAMED] = true;
    }
    return send(command, ...rest);
  };
  return redis;
}
