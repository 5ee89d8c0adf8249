import { existsSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACT_METADATA_KEY } from '../layers';

// Files the plugin adds beside the function artifacts (layer zips, the GPU trainer bundle) are
// named in the Metadata of the resource that uses them. osls uploads function and layer artifacts
// itself; these are uploaded right after, by osls's own uploader (same bucket, same key folder,
// same encryption and sha256 metadata its change detection compares), before the stack update.

interface Template {
  Resources: Record<string, unknown>;
}

export interface DeployHost {
  service: {
    provider: { compiledCloudFormationTemplate: Template; shouldNotDeploy?: boolean };
    package: { artifactDirectoryName?: string };
  };
  pluginManager: { plugins: unknown[] };
}

interface AwsDeployLike {
  packagePath: string;
  uploadZipFile(args: { filename: string; s3KeyDirname: string }): Promise<unknown>;
}

/** Artifact file names the compiled template refers to, in a stable order. */
export function extraArtifacts(template: Template): string[] {
  const names = Object.values(template.Resources)
    .map((r) => (r as { Metadata?: Record<string, unknown> }).Metadata?.[ARTIFACT_METADATA_KEY])
    .filter((n): n is string => typeof n === 'string');
  return [...new Set(names)].sort();
}

export async function uploadExtraArtifacts(host: DeployHost, log: (message: string) => void): Promise<string[]> {
  if (host.service.provider.shouldNotDeploy) return [];
  const files = extraArtifacts(host.service.provider.compiledCloudFormationTemplate);
  if (files.length === 0) return [];
  const deploy = host.pluginManager.plugins.find((p): p is AwsDeployLike =>
    (p as { constructor?: { name?: string } }).constructor?.name === 'AwsDeploy' && typeof (p as AwsDeployLike).uploadZipFile === 'function');
  if (!deploy) throw new Error('mltrain: cannot find osls\'s AwsDeploy plugin to upload the layer and trainer artifacts');
  const dirname = host.service.package.artifactDirectoryName;
  if (!dirname) throw new Error('mltrain: no artifact directory name; was the service packaged?');
  for (const file of files) {
    const filename = path.join(deploy.packagePath, file);
    if (!existsSync(filename)) throw new Error(`mltrain: ${file} is missing from ${deploy.packagePath}; package the service again`);
    log(`uploading ${file}`);
    await deploy.uploadZipFile({ filename, s3KeyDirname: dirname });
  }
  return files;
}
