import '../../util/polyfills';
import type { InvokeReply, InvokeRequest } from './protocol';

// Runs exactly one invocation in a fresh process, like a cold Lambda sandbox, then exits.
// The context mirrors the parts of Lambda's context the handlers use.

function send(reply: InvokeReply): Promise<void> {
  return new Promise((resolve) => process.send!(reply, () => resolve()));
}

async function run(req: InvokeRequest): Promise<void> {
  const context = {
    functionName: req.functionName,
    awsRequestId: req.requestId,
    memoryLimitInMB: String(req.memoryMb),
    getRemainingTimeInMillis: () => Math.max(0, req.deadline - Date.now()),
  };
  try {
    const mod = require(req.handlerFile) as Record<string, unknown>;
    const handler = mod[req.exportName];
    if (typeof handler !== 'function') throw new Error(`${req.handlerFile} exports no function named ${req.exportName}`);
    const value = await (handler as (e: unknown, c: unknown) => Promise<unknown>)(req.event, context);
    await send({ type: 'result', ok: true, value: value ?? null });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    await send({ type: 'result', ok: false, errorType: e.name, errorMessage: e.message, stack: e.stack });
  }
  process.exit(0);
}

process.once('message', (msg: InvokeRequest) => { void run(msg); });
// If the emulator goes away (Ctrl-C, crash), so does the invocation.
process.on('disconnect', () => process.exit(1));
