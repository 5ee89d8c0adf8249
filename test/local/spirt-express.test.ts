import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTrainingConfig } from '../../lib/frameworks/run/training-config';
import { WORKFLOW_ENV } from '../../lib/local/step-functions/workflow';
import { trainLocally } from '../../lib/local/train-locally';
import type { RunResults } from '../../lib/metrics/results';

// SPIRT's rounds as Express state machines (`--param workflow=express` on AWS, MLTRAIN_SFN_WORKFLOW
// locally) train the very same model as Standard ones, and the cost model prices each run's own
// executions both ways: Express per execution and GB-second, Standard per transition.

jest.setTimeout(900_000); // two SPIRT runs

let runsDir: string;
beforeAll(() => { runsDir = mkdtempSync(path.join(os.tmpdir(), 'spirt-express-')); });
afterAll(() => {
  delete process.env[WORKFLOW_ENV];
  rmSync(runsDir, { recursive: true, force: true });
});

async function run(workflow: 'standard' | 'express'): Promise<RunResults> {
  process.env[WORKFLOW_ENV] = workflow;
  // A quarter of the synthetic rows: 7 rounds instead of 28 compare the two workflows just as well.
  const config = resolveTrainingConfig({
    dataset: 'synthetic', model: 'mlp', workers: 2, batches: 2, epochs: 1, batchSize: 32, seed: 11, syncTimeoutSeconds: 20, trainSamples: 1024,
  }, { framework: 'spirt' });
  return trainLocally({ framework: 'spirt', runsDir, config, runId: `spirt-${workflow}` });
}

test('Express rounds give the same parameters as Standard ones, and cost less for Step Functions', async () => {
  const standard = await run('standard');
  const express = await run('express');
  expect(express.final.paramsDigest).toBe(standard.final.paramsDigest);
  expect(standard.cost.stepFunctions).toMatchObject({ workflow: 'standard' });
  const sfn = express.cost.stepFunctions!;
  expect(sfn.workflow).toBe('express');
  expect(sfn.executions).toBe(standard.cost.stepFunctions!.executions); // one per peer per round, both ways
  // Transitions may differ by a retried state (StateRetried counts); Express does not bill them.
  expect(express.cost.breakdown.stepFunctions).toBeCloseTo(sfn.expressUsd, 12);
  expect(standard.cost.breakdown.stepFunctions).toBeCloseTo(standard.cost.stepFunctions!.standardUsd, 12);
  expect(sfn.expressUsd).toBeLessThan(sfn.standardUsd);
  process.stdout.write(`SPIRT Step Functions, same run: standard $${sfn.standardUsd.toFixed(6)} (${sfn.transitions} transitions), `
    + `express $${sfn.expressUsd.toFixed(6)} (${sfn.executions} executions, ${sfn.expressGbSeconds.toFixed(2)} GB-s): ${(sfn.standardUsd / sfn.expressUsd).toFixed(1)}x; `
    + `whole run priced with express $${express.cost.usd.toFixed(6)}, the same executions as standard $${(express.cost.usd - sfn.expressUsd + sfn.standardUsd).toFixed(6)}\n`);
  // On the same run, only the Step Functions part differs between the two ways of pricing it.
  expect(express.cost.usd - sfn.expressUsd + sfn.standardUsd).toBeGreaterThan(express.cost.usd);
});
