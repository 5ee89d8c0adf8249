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
