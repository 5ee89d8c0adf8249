import type { StepFunctionsUsage, Workflow } from '../../metrics/cost';
import type { ExecutionRecord } from './execution';

// Standard or Express state machines (--param workflow=... on AWS; MLTRAIN_SFN_WORKFLOW locally,
// default standard). Locally both run the same way; Express executions are stopped at AWS's
// 5-minute limit, and the usage reports what each type is billed by (transitions; durations).

export const WORKFLOW_ENV = 'MLTRAIN_SFN_WORKFLOW';
export const EXPRESS_LIMIT_MS = 5 * 60 * 1000;

export function workflowFrom(given: string | undefined): Workflow {
  const value = given ?? process.env[WORKFLOW_ENV] ?? 'standard';
  if (value !== 'standard' && value !== 'express') throw new Error(`${WORKFLOW_ENV} must be standard or express, got ${JSON.stringify(value)}`);
  return value;
}

/** The type name the Step Functions API uses. */
export function apiType(workflow: Workflow): 'STANDARD' | 'EXPRESS' {
  return workflow === 'express' ? 'EXPRESS' : 'STANDARD';
}

export function usageOf(records: ExecutionRecord[], workflow: Workflow, transitions: number, now = Date.now()): StepFunctionsUsage {
  return { workflow, transitions, executionSeconds: records.map((r) => ((r.stopDate ?? now) - r.startDate) / 1000) };
}
