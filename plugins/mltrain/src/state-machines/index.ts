import { spirtRoundDefinition, type SpirtFunctionKey } from '../../../../lib/frameworks/spirt/state-machine';

// Generates the service's state machine for N batches and hands it to serverless-step-functions
// before it reads its configuration (extendConfiguration resolves ${self:...} inside).
// `--param workflow=express` makes it an Express state machine: billed per execution and
// GB-second instead of per transition, for rounds that end within Express's 5 minutes. Express
// runs at least once and keeps no execution history: the round's functions are idempotent
// (keys by run, peer and round), and failures are in the functions' logs.

export interface StateMachineConfig {
  kind: 'spirt-round';
  batches?: number;
}

export type WorkflowType = 'STANDARD' | 'EXPRESS';

interface ServerlessForStateMachines {
  extendConfiguration(path: string[], value: unknown): void;
  getProvider(name: 'aws'): { naming: { getLambdaLogicalId(functionKey: string): string } };
}

const paramValue = (params: readonly string[] | undefined, name: string) => params?.map((p) => new RegExp(`^${name}=(.*)$`).exec(p)?.[1]).find((v) => v !== undefined);

/** `--param batches=N` wins over custom.mltrain.stateMachine.batches. */
export function batchesFrom(config: StateMachineConfig, params: readonly string[] | undefined): number {
  const fromParam = paramValue(params, 'batches');
  const raw = fromParam ?? config.batches ?? 4;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`mltrain: batches must be a whole number, got "${String(raw)}" (from ${fromParam !== undefined ? '--param batches' : 'custom.mltrain.stateMachine.batches'})`);
  return n;
}

/** `--param workflow=standard|express` (default standard); the value was validated with the other params. */
export function workflowFrom(params: readonly string[] | undefined): WorkflowType {
  return paramValue(params, 'workflow') === 'express' ? 'EXPRESS' : 'STANDARD';
}

export function injectStateMachine(serverless: ServerlessForStateMachines, config: StateMachineConfig, params: readonly string[] | undefined): { batches: number; type: WorkflowType } {
  const batches = batchesFrom(config, params);
  const type = workflowFrom(params);
  const naming = serverless.getProvider('aws').naming;
  const definition = spirtRoundDefinition(batches, (key: SpirtFunctionKey) => ({ 'Fn::GetAtt': [naming.getLambdaLogicalId(key), 'Arn'] }));
  serverless.extendConfiguration(['stepFunctions'], {
    validate: true,
    stateMachines: {
      round: { name: '${self:service}-${sls:stage}-round', id: 'RoundStateMachine', type, definition },
    },
  });
  return { batches, type };
}
