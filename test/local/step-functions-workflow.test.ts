import { usageOf, workflowFrom, apiType, WORKFLOW_ENV } from '../../lib/local/step-functions/workflow';
import type { ExecutionRecord } from '../../lib/local/step-functions/execution';

// The local Step Functions' workflow type: chosen like the deployed one, reported by the API, and
// what the cost model bills each type by.

afterEach(() => { delete process.env[WORKFLOW_ENV]; });

test('standard unless told otherwise; a typo is refused by name', () => {
  expect(workflowFrom(undefined)).toBe('standard');
  process.env[WORKFLOW_ENV] = 'express';
  expect(workflowFrom(undefined)).toBe('express');
  expect(workflowFrom('standard')).toBe('standard'); // an explicit option wins
  expect(() => workflowFrom('Express')).toThrow('MLTRAIN_SFN_WORKFLOW must be standard or express, got "Express"');
  expect([apiType('express'), apiType('standard')]).toEqual(['EXPRESS', 'STANDARD']);
});

test('usage: every execution\'s duration (a running one up to now) and the transitions', () => {
  const record = (startDate: number, stopDate?: number) => ({ startDate, stopDate }) as ExecutionRecord;
  expect(usageOf([record(1000, 3500), record(2000)], 'express', 17, 4000)).toEqual({ workflow: 'express', transitions: 17, executionSeconds: [2.5, 2] });
});
