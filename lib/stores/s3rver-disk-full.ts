import { isDiskFull } from './failure-names';

// The local S3 (s3rver) answers any failed write with a bare "InternalError: We encountered an
// internal error", so a client could not tell a full disk from a bug. s3rver passes an error's
// own message to the client when the error is marked `expose`: this marks ENOSPC errors of its
// filesystem store that way, with the path, and the S3 client (nameSdkFailures) then reports a
// DiskFullError naming its bucket and that path.
//
// Call it once per process that runs s3rver, after makeS3rverPutsAtomic() (which replaces
// putObject): in lib/local/servers/s3.ts, startS3.

const WRITES = ['putObject', 'putMetadata', 'copyObject', 'putBucket', 'initiateUpload', 'putPart', 'putObjectMultipart', 'putSubresource'];
const WRAPPED = Symbol('mltrain disk-full wrapped');

type StoreMethod = ((...args: unknown[]) => Promise<unknown>) & { [WRAPPED]?: true };

/** The message s3rver sends; failure-names reads the path back from it. */
export function diskFullMessage(path: string | undefined): string {
  return `the disk holding ${path ?? "the local S3's folder"} is full (ENOSPC)`;
}

/** `folder`: the store's root, for errors of a write(), which carry no path. */
function exposeDiskFull(err: unknown, folder: string | undefined): unknown {
  if (!isDiskFull(err)) return err;
  const path = (err as { path?: unknown }).path;
  return Object.assign(new Error(diskFullMessage(typeof path === 'string' ? path : folder), { cause: err }), {
    expose: true,
    code: 'ENOSPC',
  });
}

export function makeS3rverReportFullDisk(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const FilesystemStore = require('s3rver/lib/stores/filesystem') as { prototype: Record<string, StoreMethod> };
  for (const name of WRITES) {
    const original = FilesystemStore.prototype[name];
    if (typeof original !== 'function' || original[WRAPPED]) continue;
    const wrapped: StoreMethod = async function (this: unknown, ...args: unknown[]) {
      try {
        return await original.apply(this, args);
      } catch (err) {
        throw exposeDiskFull(err, (this as { rootDirectory?: string }).rootDirectory);
      }
    };
    wrapped[WRAPPED] = true;
    FilesystemStore.prototype[name] = wrapped;
  }
}
