import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

// S3 publishes a PUT atomically: a reader sees the old object or the whole new one. s3rver 3.7
// creates the object's file, writes it asynchronously, and already answers GETs from that file
// (its existence check is a stat), so a concurrent reader can get 0 or half the bytes. Replace
// its putObject with one that writes a temporary file, the metadata, then renames into place.

interface S3rverObject {
  bucket: string;
  key: string;
  content: Buffer | NodeJS.ReadableStream;
  metadata: Record<string, string>;
}

interface FilesystemStoreLike {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
}

let applied = false;
let sequence = 0;

export function makeS3rverPutsAtomic(): void {
  if (applied) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const FilesystemStore = require('s3rver/lib/stores/filesystem') as { prototype: Record<string, unknown> };
  FilesystemStore.prototype.putObject = async function atomicPutObject(this: FilesystemStoreLike, object: S3rverObject) {
    const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
    await fs.mkdir(path.dirname(objectPath), { recursive: true });
    const content = Buffer.isBuffer(object.content) ? object.content : await readAll(object.content);
    const md5 = createHash('md5').update(content).digest('hex');
    // The temporary name does not end in ._S3rver_object, so listings never show it.
    const temporary = `${objectPath}.${process.pid}-${sequence++}.partial`;
    await fs.writeFile(temporary, content);
    await this.putMetadata(object.bucket, object.key, object.metadata, md5);
    await fs.rename(temporary, objectPath);
    return { size: content.length, md5 };
  };
  applied = true;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}
