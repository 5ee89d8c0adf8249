import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { extraArtifacts, uploadExtraArtifacts } from '../../plugins/mltrain/src/artifacts/upload';

// At deploy, the layer and trainer zips the template names go up with osls's own uploader (its
// AwsDeploy plugin; a stand-in here, as there is no AWS), into the deployment's key folder.

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'upload-'));
  for (const f of ['layer-tfjs.zip', 'gpu-trainer.zip']) writeFileSync(path.join(dir, f), 'zip');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

class AwsDeploy {
  uploads: { filename: string; s3KeyDirname: string }[] = [];
  constructor(readonly packagePath: string) {}
  async uploadZipFile(args: { filename: string; s3KeyDirname: string }) { this.uploads.push(args); }
}

const template = {
  Resources: {
    TfjsLambdaLayer: { Type: 'AWS::Lambda::LayerVersion', Metadata: { 'mltrain:artifact': 'layer-tfjs.zip' } },
    MltrainGpuTrainerBundleParameter: { Type: 'AWS::SSM::Parameter', Metadata: { 'mltrain:artifact': 'gpu-trainer.zip' } },
    WorkerLambdaFunction: { Type: 'AWS::Lambda::Function' },
  },
};
const host = (deploy: unknown, extra: { shouldNotDeploy?: boolean } = {}) => ({
  service: { provider: { compiledCloudFormationTemplate: template, ...extra }, package: { artifactDirectoryName: 'serverless/svc/dev/1-x' } },
  pluginManager: { plugins: [{}, deploy] },
});

test('finds the artifacts named in resource metadata', () => {
  expect(extraArtifacts(template)).toEqual(['gpu-trainer.zip', 'layer-tfjs.zip']);
});

test('uploads each with osls\'s uploader into the deployment\'s folder', async () => {
  const deploy = new AwsDeploy(dir);
  const logged: string[] = [];
  expect(await uploadExtraArtifacts(host(deploy), (m) => logged.push(m))).toEqual(['gpu-trainer.zip', 'layer-tfjs.zip']);
  expect(deploy.uploads).toEqual([
    { filename: path.join(dir, 'gpu-trainer.zip'), s3KeyDirname: 'serverless/svc/dev/1-x' },
    { filename: path.join(dir, 'layer-tfjs.zip'), s3KeyDirname: 'serverless/svc/dev/1-x' },
  ]);
  expect(logged).toEqual(['uploading gpu-trainer.zip', 'uploading layer-tfjs.zip']);
});

test('uploads nothing when osls skips an unchanged deploy, and names a missing file', async () => {
  const deploy = new AwsDeploy(dir);
  expect(await uploadExtraArtifacts(host(deploy, { shouldNotDeploy: true }), () => undefined)).toEqual([]);
  expect(deploy.uploads).toEqual([]);
  await expect(uploadExtraArtifacts(host(new AwsDeploy(path.join(dir, 'elsewhere'))), () => undefined)).rejects.toThrow(/gpu-trainer\.zip is missing from .*elsewhere; package the service again/);
  await expect(uploadExtraArtifacts(host({}), () => undefined)).rejects.toThrow("cannot find osls's AwsDeploy plugin");
});
