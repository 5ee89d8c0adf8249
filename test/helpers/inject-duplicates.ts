import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { InvocationType, InvokeOutcome } from '../../lib/local/lambda/emulator';
import type { LocalRuntime } from '../../lib/local/runtime';

// At-least-once delivery, played through the local Lambda API: the runtime's invoke is wrapped so
// that a chosen real event is delivered a second time, right after the first delivery (an Event
// invocation: at once, racing it; a Step Functions task: once the first has returned).

export type Invoke = (name: string, payload: unknown, type?: InvocationType) => Promise<InvokeOutcome>;

export interface Duplicate {
  functionKey: string;
  payload: Record<string, unknown>;
  outcome: InvokeOutcome;
  /** The first delivery's outcome (202 for an Event invocation). */
  first: InvokeOutcome;
}

/** Picks the events to deliver twice: return true once per event to duplicate. */
export type DuplicatePicker = (functionKey: string, payload: Record<string, unknown>) => boolean;

export function deliverTwice(
  runtime: LocalRuntime, pick: DuplicatePicker, before?: (functionKey: string, payload: Record<string, unknown>, invoke: Invoke) => Promise<void>,
): Promise<Duplicate>[] {
  const lambda = runtime.lambda;
  const invoke: Invoke = lambda.invoke.bind(lambda);
  const duplicates: Promise<Duplicate>[] = [];
  lambda.invoke = async (name, payload, type) => {
    const functionKey = lambda.invocations().find((r) => r.functionName === name)?.functionKey ?? name.replace(/^.*-local-/, '');
    const event = (payload ?? {}) as Record<string, unknown>;
    await before?.(functionKey, event, invoke);
    const first = invoke(name, payload, type);
    if (!pick(functionKey, event)) return first;
    const second = (type === 'Event' ? Promise.resolve() : first.then(() => undefined))
      .then(() => invoke(name, payload, 'RequestResponse'))
      .then(async (outcome) => ({ functionKey, payload: event, outcome, first: await first }));
    duplicates.push(second);
    return first;
  };
  return duplicates;
}

/** The log lines of one function of a local run. */
export function logLines(runsDir: string, runId: string, functionKey: string): Record<string, unknown>[] {
  const file = path.join(runsDir, runId, 'logs', `${functionKey}.jsonl`);
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}
