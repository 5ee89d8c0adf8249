import { createRequire } from 'node:module';
import type { Template } from './types';

// Each AWS::StepFunctions::StateMachine's definition passes an Amazon States Language validator
// (asl-validator, pinned in package.json). serverless-step-functions writes the definition as an
// Fn::Sub string whose ${...} variables are the functions' ARNs; each becomes a well-formed ARN.

type AslValidator = (definition: unknown, options?: { checkArn?: boolean; checkPaths?: boolean }) => { isValid: boolean; errorsText(separator?: string): string };

const PLACEHOLDER_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:placeholder';

export function stateMachineProblems(t: Template): string[] {
  const validate = createRequire(__filename)('asl-validator') as AslValidator;
  const problems: string[] = [];
  for (const [id, r] of Object.entries(t.Resources)) {
    if (r.Type !== 'AWS::StepFunctions::StateMachine') continue;
    let definition: unknown;
    try {
      definition = definitionOf(r.Properties ?? {});
    } catch (err) {
      problems.push(`Resources.${id}: definition is not JSON: ${(err as Error).message}`);
      continue;
    }
    const result = validate(definition, { checkArn: true, checkPaths: true });
    if (!result.isValid) problems.push(`Resources.${id}: not valid Amazon States Language: ${result.errorsText('; ')}`);
  }
  return problems;
}

function definitionOf(p: Record<string, unknown>): unknown {
  if (p.Definition && typeof p.Definition === 'object') return p.Definition;
  const d = p.DefinitionString;
  const text = typeof d === 'string' ? d : subText(d);
  return JSON.parse(text.replace(/\$\{[^}]+\}/g, PLACEHOLDER_ARN));
}

function subText(d: unknown): string {
  const sub = (d as { 'Fn::Sub'?: unknown } | undefined)?.['Fn::Sub'];
  const text = Array.isArray(sub) ? sub[0] : sub;
  if (typeof text !== 'string') throw new Error('DefinitionString is neither a string nor an Fn::Sub');
  return text;
}
