// The configuration the plugin accepts under custom.mltrain, checked by Serverless's own schema
// validation (a typo fails `sls package` with a message naming the property).
export const mltrainConfigSchema = {
  type: 'object',
  properties: {
    mltrain: {
      type: 'object',
      properties: {
        framework: { enum: ['allreduce', 'scatter-reduce', 'spirt', 'mlless', 'ps', 'gpu'] },
        iamStatements: { type: 'array', items: { type: 'object' } },
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
        /** network/: put the functions in the VPC (declared here too so services can use it before network/ lands). */
        vpc: { type: 'boolean' },
        /** ec2/parameter-server.ts: the hybrid parameter server's instance. */
        parameterServer: {
          type: 'object',
          properties: {
            instanceType: { type: 'string', pattern: '^[a-z][a-z0-9-]*\\.[a-z0-9]+$' },
            port: { type: 'integer', minimum: 1024, maximum: 65535 },
          },
          additionalProperties: false,
        },
      },
      required: ['framework'],
      additionalProperties: false,
    },
  },
} as const;
