// The configuration the plugin accepts under custom.mltrain, checked by Serverless's own schema
// validation (a typo fails `sls package` with a message naming the property).

const logicalId = { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9]*$' } as const;

/** network/: custom.mltrain.vpc (true, or the interface endpoints the functions need). */
export const INTERFACE_ENDPOINT_SERVICES = ['sqs', 'lambda', 'states', 'ssm', 'secretsmanager', 'logs', 'sts', 'ec2', 'kms'] as const;

export const mltrainConfigSchema = {
  type: 'object',
  properties: {
    mltrain: {
      type: 'object',
      properties: {
        framework: { enum: ['allreduce', 'scatter-reduce', 'spirt', 'mlless', 'ps', 'gpu'] },
        iamStatements: { type: 'array', items: { type: 'object' } },
        /** false: package without the native engine's arm64 layer (layers/native); its functions train on wasm. */
        nativeLayer: { type: 'boolean' },
        peerDatabases: {
          type: 'object',
          properties: { peers: { type: 'integer', minimum: 1, maximum: 64 }, instanceType: { type: 'string' } },
          additionalProperties: false,
        },
        stateMachine: {
          type: 'object',
          properties: { kind: { enum: ['spirt-round'] }, batches: { type: 'integer', minimum: 1, maximum: 64 } },
          required: ['kind'],
          additionalProperties: false,
        },
        vpc: {
          oneOf: [
            { type: 'boolean' },
            {
              type: 'object',
              properties: {
                /** Interface endpoints (billed per hour per AZ) for the AWS APIs the functions call. */
                interfaceEndpoints: { type: 'array', items: { enum: [...INTERFACE_ENDPOINT_SERVICES] }, uniqueItems: true },
                cidr: { type: 'string', pattern: '^10\\.\\d{1,3}\\.0\\.0/16$' },
              },
              additionalProperties: false,
            },
          ],
        },
        gpuInstance: {
          type: 'object',
          properties: {
            instanceType: { type: 'string', pattern: '^[a-z][a-z0-9-]*\\.[a-z0-9]+$' },
            /** Logical id of the bucket the instance reads data from and writes results to. */
            bucket: logicalId,
            /** SSM public parameter holding the AMI id (default: Deep Learning Base OSS Nvidia Driver GPU AMI, Amazon Linux 2023). */
            amiParameter: { type: 'string', pattern: '^/' },
            /** Availability zone index (0-based, in the region's list) of the instance's subnet. */
            availabilityZoneIndex: { type: 'integer', minimum: 0, maximum: 5 },
            rootVolumeGb: { type: 'integer', minimum: 75, maximum: 1000 },
            /** The instance stops itself after this many hours even if a job hangs. */
            maxHours: { type: 'integer', minimum: 1, maximum: 72 },
          },
          required: ['instanceType', 'bucket'],
          additionalProperties: false,
        },
        /** LambdaML collectives: the store gradients travel through (channels/), set by --param channel=... */
        channel: {
          type: 'object',
          properties: {
            store: { enum: ['s3', 'redis', 'memcached', 'dynamodb'] },
            cacheNodeType: { type: 'string', pattern: '^cache\\.[a-z0-9]+\\.[a-z0-9]+$' },
          },
          required: ['store'],
          additionalProperties: false,
        },
        /** Buckets (logical ids) emptied by a custom resource when the stack is removed. */
        emptyOnRemove: { type: 'array', items: logicalId, uniqueItems: true },
        /** ec2/parameter-server.ts: the hybrid parameter server's instance. */
        parameterServer: {
          type: 'object',
          properties: {
            instanceType: { type: 'string', pattern: '^[a-z][a-z0-9-]*\\.[a-z0-9]+$' },
            port: { type: 'integer', minimum: 1024, maximum: 65535 },
          },
          additionalProperties: false,
        },
        // MLLESS's queues and update store (src/mlless/resources.ts).
        mlless: {
          type: 'object',
          properties: {
            workers: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: '^[0-9]+$' }] },
            redisNodeType: { type: 'string', pattern: '^cache\\.' },
          },
          required: ['workers'],
          additionalProperties: false,
        },
      },
      required: ['framework'],
      additionalProperties: false,
    },
  },
} as const;
