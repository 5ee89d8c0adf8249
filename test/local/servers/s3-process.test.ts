import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { startS3Process } from '../../../lib/local/servers/s3-process';
import { createLocalS3Client } from '../../../lib/stores/s3-client';
import { S3Store } from '../../../lib/stores/s3';
import { eventually, isProcessGone } from './helpers';

// s3rver in its own process: the same server, reachable the same way, gone when stopped; and its
// listings page past 1,000 keys (in-process, s3rver's DES continuation tokens fail on OpenSSL 3).

test('serves S3 from a child process, pages listings past 1,000 keys, creates buckets, and leaves nothing running', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 's3-process-'));
  const server = await startS3Process({ directory: dir, buckets: ['first'] });
  try {
    const client = createLocalS3Client(server.endpoint);
    const store = new S3Store(client, 'first');
    const keys = Array.from({ length: 1001 }, (_, i) => `k/${String(i).padStart(4, '0')}`);
    for (let i = 0; i < keys.length; i += 200) await Promise.all(keys.slice(i, i + 200).map((k) => store.save(k, Buffer.from('x'))));
    const firstPage = await client.send(new ListObjectsV2Command({ Bucket: 'first', Prefix: 'k/' }));
    expect(firstPage.IsTruncated).toBe(true);
    expect(await store.list('k/')).toEqual(keys);
    await server.createBucket('second');
    await new S3Store(client, 'second').save('a', Buffer.from('b'));
    await expect(server.createBucket('Bad_Name')).rejects.toThrow(/invalid S3 bucket name 'Bad_Name'/);
    expect(server.env.AWS_ENDPOINT_URL_S3).toBe(server.endpoint);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  expect(await eventually(() => isProcessGone(server.pid), 5000)).toBe(true);
}, 60_000);
