import { S3Client } from '@aws-sdk/client-s3';
import { nameSdkFailures, S3_ROLE } from './sdk-failures';

let shared: S3Client | undefined;

/**
 * One S3 client per process, reused across invocations. Its failures name the bucket and the
 * endpoint (UnreachableError, DiskFullError). The SDK reads AWS_ENDPOINT_URL_S3 itself;
 * a local endpoint (s3rver) needs path-style addressing and no streaming checksums.
 */
export function getS3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  if (shared) return shared;
  const local = Boolean(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
  shared = nameSdkFailures(new S3Client({
    region: env.AWS_REGION ?? 'us-east-1',
    forcePathStyle: local,
    ...(local ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
  }), 'S3', S3_ROLE);
  return shared;
}

/** A client for an explicit endpoint (the CLI talking to its own local S3 server). */
export function createLocalS3Client(endpoint: string): S3Client {
  return nameSdkFailures(new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  }), 'S3', S3_ROLE);
}
