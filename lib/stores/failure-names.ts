// Failures named by their cause: a server that cannot be reached is named by the part it plays
// in the run ("S3 (the run's bucket 'b' at http://127.0.0.1:39233) is unreachable: connection
// refused"), and a full disk is reported as one, with its path, instead of a socket error code or
// an S3 InternalError. The clients of lib/stores apply this where they are built.

/** What a socket or DNS error code means, in words. */
const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed while sending',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
};

export class UnreachableError extends Error {
  constructor(
    /** e.g. "S3 (the run's bucket 'b' at http://127.0.0.1:39233)". */
    readonly role: string,
    /** e.g. "connection refused". */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${role} is unreachable: ${reason}`, options);
    this.name = 'UnreachableError';
  }
}

export class DiskFullError extends Error {
  constructor(
    /** The file or folder that could not be written, when known. */
    readonly path: string | undefined,
    /** Who hit it, e.g. "S3 (the run's bucket ...)"; undefined for a local write. */
    readonly role?: string,
    options?: { cause?: unknown },
  ) {
    const where = path ? `the disk holding ${path} is full` : role ? 'its disk is full' : 'the disk is full';
    super(role ? `${role} could not store the data: ${where} (ENOSPC)` : `${where} (ENOSPC)`, options);
    this.name = 'DiskFullError';
  }
}

interface ErrorLike {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  path?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** The error and what it wraps (cause chains, AggregateError's list), nearest first. */
function* errorChain(err: unknown, depth = 0): Generator<ErrorLike> {
  if (err === null || typeof err !== 'object' || depth > 4) return;
  const e = err as ErrorLike;
  yield e;
  yield* errorChain(e.cause, depth + 1);
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* errorChain(inner, depth + 1);
}

/** A socket error code in a message: Node's own ("connect ECONNREFUSED 127.0.0.1:6379"), also as
 * wrapped by a library that kept the text and lost the code. */
const CODE_IN_TEXT = new RegExp(`\\b(${Object.keys(NETWORK_CAUSES).join('|')})\\b`);

/** "connection refused" for a socket error (or one wrapping it); undefined for anything else. */
export function networkCause(err: unknown): string | undefined {
  for (const e of errorChain(err)) {
    if (typeof e.code === 'string' && NETWORK_CAUSES[e.code]) return NETWORK_CAUSES[e.code];
    const inText = typeof e.message === 'string' ? CODE_IN_TEXT.exec(e.message) : null;
    if (inText) return NETWORK_CAUSES[inText[1]];
    // The AWS SDK's connection and socket timeouts.
    if (e.name === 'TimeoutError' && typeof e.message === 'string') return `timed out (${e.message})`;
  }
  return undefined;
}

const NO_SPACE = /\bENOSPC\b|no space left on device/i;

/** A full disk: the error (or one it wraps) is ENOSPC, or its text says so (a server's reply). */
export function isDiskFull(err: unknown): boolean {
  for (const e of errorChain(err)) {
    if (e.code === 'ENOSPC') return true;
    if (typeof e.message === 'string' && NO_SPACE.test(e.message)) return true;
  }
  return false;
}

/** The path an ENOSPC error names: the syscall's own, or one quoted in a server's message. */
function diskFullPath(err: unknown): string | undefined {
  for (const e of errorChain(err)) {
    if (typeof e.path === 'string') return e.path;
    const quoted = typeof e.message === 'string' ? /the disk holding (\S+) is full/.exec(e.message) : null;
    if (quoted) return quoted[1];
  }
  return undefined;
}

/**
 * The same failure named by its cause: UnreachableError or DiskFullError naming `role`, the
 * original kept as `cause`. Anything else (a refused request, a missing key) is returned as it was.
 */
export function nameFailure(err: unknown, role: string): unknown {
  if (err instanceof UnreachableError || err instanceof DiskFullError) return err;
  if (isDiskFull(err)) return new DiskFullError(diskFullPath(err), role, { cause: err });
  const cause = networkCause(err);
  return cause ? new UnreachableError(role, cause, { cause: err }) : err;
}

/** For a local write (a checkpoint file, /tmp): ENOSPC becomes a DiskFullError with the path. */
export function nameLocalWriteFailure(err: unknown, path?: string): unknown {
  if (err instanceof DiskFullError || !isDiskFull(err)) return err;
  return new DiskFullError(diskFullPath(err) ?? path, undefined, { cause: err });
}
