import { iamProblems } from './iam';
import { propertyProblems } from './properties';
import { referenceProblems } from './references';
import { stateMachineProblems } from './state-machines';
import type { Template } from './types';

// What a packaged template must satisfy before anyone deploys it (test/packaging/
// template-integrity.test.ts runs it over every service and every value of its --params).

export type { Template } from './types';

export function templateProblems(template: Template): string[] {
  return [...referenceProblems(template), ...propertyProblems(template), ...iamProblems(template), ...stateMachineProblems(template)];
}
