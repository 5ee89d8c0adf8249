import { spirtRoundDefinition, type SpirtFunctionKey } from '../../../../lib/frameworks/spirt/state-machine';

// Generates the service's state machine for N batches and hands it to serverless-step-functions
// before it reads its configuration (extendConfiguration resolves ${self:...} inside).

export interface StateMachineConfig {
  kind: 'spirt-round';
  batches?: number;
}

interface ServerlessForStateMachines {
  extendConfiguration(path: string[], value: unknown): void;
  getProvider(name: 'aws'): { naming: { getLambdaLogicalId(functionKey: string): string } };
}

/** `--param batches=N` wins over custom.mltrain.stateMachine.batches. */
export function batchesFrom(config: StateMachineConfig, params: readonly string[] | undefined): number {
  const fromParam = params?.map((p) => /^batches=(.*)$/.exec(p)?.[1]).find((v) => v !== undefined);
  const raw = fromParam ?? config.batches ?? 4;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`mltrain: batches must be a whole number, got "${String(raw)}" (from ${fromParam !== undefined ? '--param batches' : 'custom.mltrain.stateMachine.batches'})`);
  return n;
}

export function injectStateMachine(serverless: ServerlessForStateMachines, config: StateMachineConfig, params: readonly string[] | undefined): number {
  const batches = batchesFrom(config, params);
  const naming = serverless.getProvider('aws').naming;
  const definition = spirtRoundDefinition(batches, (key: SpirtFunctionKey) => ({ 'Fn::GetAtt': [naming.getLambdaLogicalId(key), 'Arn'] }));
  serverless.extendConfiguration(['stepFunctions'], {
    validate: true,
    stateMachines: {
      round: { name: '${self:service}-${sls:stage}-round', id: 'RoundStateMachine', definition },
    },
  });
  return batches;
}
