// What every service with asynchronously invoked workers packages for their failures: the
// runFailed function (the plugin's destinations feature), the right to invoke it, and each worker's
// EventInvokeConfig pointing at it.

/** The on-failure destination of the asynchronously invoked functions (plugin: destinations feature). */
export const RUN_FAILED = { memory: 256, timeout: 30, layers: [], env: { MLTRAIN_BUCKET: { Ref: 'DataBucket' } } };
export const invokeRunFailed = (service: string): [string[], unknown] => [['lambda:InvokeFunction'], { 'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:mltrain-${service}-dev-runFailed` }];
/** Every failed worker invocation goes to runFailed: Serverless compiles the destination from the plugin's wiring. */
export function expectWorkerFailuresMarkTheRun(resources: Record<string, { Properties: Record<string, unknown> }>): void {
  expect(resources.WorkerLambdaEvConf.Properties).toMatchObject({
    MaximumRetryAttempts: 0, // a retried worker would start over
    DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['RunFailedLambdaFunction', 'Arn'] } } },
  });
}
