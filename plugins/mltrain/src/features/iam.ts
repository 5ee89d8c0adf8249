import type { Feature } from './feature';

// The functions' role: serverless.base.yml gives it the data bucket's statements (once, for every
// service); the service's own custom.mltrain.iamStatements join them here, resolved.
export const iamFeature: Feature = {
  name: 'iam',
  compile(ctx) {
    const statements = (ctx.resolved as { iamStatements?: unknown[] }).iamStatements ?? [];
    if (!statements.length) return;
    const role = ctx.template.Resources.IamRoleLambdaExecution as { Properties: { Policies: { PolicyDocument: { Statement: unknown[] } }[] } } | undefined;
    if (!role) throw new Error('custom.mltrain.iamStatements: the template has no IamRoleLambdaExecution (a service without functions?)');
    role.Properties.Policies[0].PolicyDocument.Statement.push(...statements);
  },
};
