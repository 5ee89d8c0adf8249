import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

// Files the generated resources fetch at boot (the tensor module's source for the peer databases,
// bundles for instances) travel like the function zips: into the package folder, then uploaded
// to the deployment bucket under the same artifact directory, which the template points at.

export interface ExtraArtifact {
  /** File name in the package folder and in the bucket. */
  name: string;
  /** Where the plugin built it. */
  source: string;
  /** A fixed S3 key instead of one under this deployment's directory (content-addressed files, whose key changes only with their content). */
  key?: string;
}

export interface DeployContext {
  bucket: string;
  artifactDirectoryName: string;
  sdkConfig: Record<string, unknown>;
}

export class ExtraArtifacts {
  private readonly items: ExtraArtifact[] = [];

  add(item: ExtraArtifact): void {
    this.items.push(item);
  }

  get list(): readonly ExtraArtifact[] {
    return this.items;
  }

  /** The template's reference to an artifact: its S3 key under this deployment's directory. */
  static key(artifactDirectoryName: string, name: string): string {
    return `${artifactDirectoryName}/${name}`;
  }

  copyInto(packageDir: string): void {
    mkdirSync(packageDir, { recursive: true });
    for (const item of this.items) copyFileSync(item.source, path.join(packageDir, item.name));
  }

  async upload(packageDir: string, ctx: DeployContext): Promise<void> {
    const s3 = new S3Client(ctx.sdkConfig);
    for (const item of this.items) {
      await s3.send(new PutObjectCommand({
        Bucket: ctx.bucket, Key: item.key ?? ExtraArtifacts.key(ctx.artifactDirectoryName, item.name), Body: readFileSync(path.join(packageDir, item.name)),
      }));
    }
  }
}
