import * as fs from 'node:fs/promises';
import type * as http from 'node:http';
import { trackedStop } from '../processes';
import { closeHttpServer } from './http-listener';
import { makeS3rverReportFullDisk } from '../../stores/s3rver-disk-full';
import { makeS3rverPutsAtomic } from './s3rver-atomic-put';
import { makeS3rverHonourIfNoneMatch } from './s3rver-conditional-put';
import type { RunningServer } from './types';

// s3rver ships no type declarations: these are the parts used here.
interface S3rverOptions {
  port: number;
  address: string;
  directory: string;
  silent: boolean;
  configureBuckets: { name: string }[];
}
interface S3rverInstance {
  run(): Promise<{ port: number }>;
  httpServer?: http.Server;
  store: { putBucket(name: string): Promise<unknown> };
}
type S3rverClass = new (options: S3rverOptions) => S3rverInstance;
interface S3rverAccounts {
  DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void };
}

const S3rver: S3rverClass = require('s3rver');
const s3rverAccounts: S3rverAccounts = require('s3rver/lib/models/account');

export interface S3Options {
  /** Folder where buckets and objects are stored (created if missing). */
  directory: string;
  /** Buckets to create before the server accepts requests. */
  buckets?: string[];
  /**
   * Access key ids the server accepts. s3rver ignores SigV4 signatures but rejects unknown key ids
   * (InvalidAccessKeyId). Default: 'test' and the current AWS_ACCESS_KEY_ID, if set.
   */
  accessKeyIds?: string[];
}

export interface S3Server extends RunningServer {
  directory: string;
  createBucket(name: string): Promise<void>;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function assertBucketName(name: string): void {
  if (!BUCKET_NAME.test(name) || name.includes('..')) {
    throw new Error(`invalid S3 bucket name '${name}': use 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit`);
  }
}

function acceptAccessKeys(accessKeyIds: string[]): void {
  // The registry is s3rver's module-global map; adding a key is idempotent.
  for (const id of accessKeyIds) s3rverAccounts.DUMMY_ACCOUNT.createKeyPair(id, id);
}

/**
 * Starts s3rver in this process on 127.0.0.1 with an OS-chosen port.
 * Clients must use path-style addressing (forcePathStyle) and the checksum settings in `env`.
 */
export async function startS3(opts: S3Options): Promise<S3Server> {
  if (!opts.directory) throw new Error('startS3: directory is required (where buckets and objects are stored)');
  const buckets = opts.buckets ?? [];
  buckets.forEach(assertBucketName);
  acceptAccessKeys(opts.accessKeyIds ?? ['test', ...(process.env.AWS_ACCESS_KEY_ID ? [process.env.AWS_ACCESS_KEY_ID] : [])]);
  await fs.mkdir(opts.directory, { recursive: true });
  makeS3rverPutsAtomic();
  makeS3rverReportFullDisk(); // after the atomic put, which it wraps: a full disk is named, not an InternalError
  makeS3rverHonourIfNoneMatch();

  const s3rver = new S3rver({
    port: 0,
    address: '127.0.0.1',
    directory: opts.directory,
    silent: true,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await s3rver.run();
  const httpServer = s3rver.httpServer;
  if (!httpServer) throw new Error('s3rver started without an HTTP server (unexpected s3rver version?)');

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = trackedStop(`s3 (port ${port})`, async () => {
    await closeHttpServer(httpServer);
  });

  return {
    kind: 's3',
    host: '127.0.0.1',
    port,
    endpoint,
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      // With the SDK's default flexible checksums, s3rver stores the aws-chunked framing of a
      // streamed upload as the object's bytes.
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    },
    stop,
    directory: opts.directory,
    createBucket: async (name: string) => {
      assertBucketName(name);
      await s3rver.store.putBucket(name);
    },
  };
}
