import { uploadExtraArtifacts } from '../artifacts/upload';
import type { Feature } from './feature';

// Files the generated resources fetch at boot travel with the function zips: copied into the
// package folder, uploaded to the deployment bucket before the stack update.
export const artifactsFeature: Feature = {
  name: 'artifacts',
  finalize(ctx) {
    ctx.artifacts.copyInto(ctx.packageDir);
  },
  async upload(ctx) {
    await uploadExtraArtifacts(ctx.serverless, (m) => ctx.notice(m));
    if (ctx.artifacts.list.length === 0) return;
    const provider = ctx.serverless.getProvider('aws');
    await ctx.artifacts.upload(ctx.packageDir, {
      bucket: await provider.getServerlessDeploymentBucketName!(),
      artifactDirectoryName: ctx.serverless.service.package.artifactDirectoryName!,
      sdkConfig: provider.getAwsSdkV3Config?.() ?? {},
    });
  },
};
