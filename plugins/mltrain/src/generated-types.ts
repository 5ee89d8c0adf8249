// What a feature of the plugin adds to a service: CloudFormation resources, and environment
// variables for every function (values may be intrinsic functions: Ref, Fn::GetAtt, Fn::Join).

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

export interface GeneratedConfiguration {
  resources: Record<string, CfnResource>;
  environment: Record<string, unknown>;
}
