import type { LayerHost } from './index';

// The template side of a layer the plugin built: an AWS::Lambda::LayerVersion whose content is the
// zip beside the function artifacts (uploaded by artifacts/upload.ts, which finds it by the
// metadata key), and an output with its ARN.

export const ARTIFACT_METADATA_KEY = 'mltrain:artifact';

export interface LayerVersionInfo {
  name: string;
  description: string;
  licenseInfo?: string;
}

/** Declares the layer in the compiled template; returns its logical id. */
export function declareLayerVersion(host: LayerHost, layer: LayerVersionInfo, artifact: string): string {
  const service = host.service;
  const provider = host.getProvider('aws');
  const logicalId = provider.naming.getLambdaLayerLogicalId(layer.name);
  const template = service.provider.compiledCloudFormationTemplate;
  template.Resources[logicalId] = {
    Type: 'AWS::Lambda::LayerVersion',
    Metadata: { [ARTIFACT_METADATA_KEY]: artifact },
    Properties: {
      Content: {
        S3Bucket: service.package.deploymentBucket ?? { Ref: 'ServerlessDeploymentBucket' },
        S3Key: `${service.package.artifactDirectoryName}/${artifact}`,
      },
      LayerName: `${service.service}-${provider.getStage()}-${layer.name}`,
      Description: layer.description,
      CompatibleRuntimes: [service.provider.runtime ?? 'nodejs22.x'],
      CompatibleArchitectures: [service.provider.architecture ?? 'x86_64'],
      ...(layer.licenseInfo ? { LicenseInfo: layer.licenseInfo } : {}),
    },
  };
  template.Outputs ??= {};
  template.Outputs[`${logicalId}QualifiedArn`] = { Description: `Current ${layer.name} layer version`, Value: { Ref: logicalId } };
  return logicalId;
}
