import '../../util/polyfills';
import { sentinel, type InvokeReply, type InvokeRequest } from './protocol';

// A warm sandbox: runs the invocations the emulator sends, one at a time, in the same process, so
// module state (loaded models, clients, the TF.js backend) persists between them as on Lambda.
// The context mirrors the parts of Lambda's context the handlers use.

function send(reply: InvokeReply): Promise<void> {
  return new Promise((resolve) => process.send!(reply, () => resolve()));
}

/** Pipes to the parent are synchronous on Linux: once written, a sentinel follows every earlier line. */
function mark(kind: 'start' | 'end', requestId: string): void {
  process.stdout.write(sentinel(kind, requestId) + '\n');
  process.stderr.write(sentinel(kind, requestId) + '\n');
}

async function run(req: InvokeRequest): Promise<void> {
  mark('start', req.requestId);
  const context = {
    functionName: req.functionName,
    invokedFunctionArn: req.invokedFunctionArn,
    awsRequestId: req.requestId,
    memoryLimitInMB: String(req.memoryMb),
    getRemainingTimeInMillis: () => Math.max(0, req.deadline - Date.now()),
  };
  let reply: InvokeReply;
  try {
    const mod = require(req.handlerFile) as Record<string, unknown>;
    const handler = mod[req.exportName];
    if (typeof handler !== 'function') throw new Error(`${req.handlerFile} exports no function named ${req.exportName}`);
    const value = await (handler as (e: unknown, c: unknown) => Promise<unknown>)(req.event, context);
    reply = { type: 'result', requestId: req.requestId, ok: true, value: value ?? null };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply = { type: 'result', requestId: req.requestId, ok: false, errorType: e.name, errorMessage: e.message, stack: e.stack };
  }
  mark('end', req.requestId);
  try {
    await send(reply);
  } catch (err) {
    // e.g. a result with a cycle: Lambda also fails the invocation when it cannot serialise the result
    const message = err instanceof Error ? err.message : String(err);
    await send({ type: 'result', requestId: req.requestId, ok: false, errorType: 'Runtime.ResponseSerializationError', errorMessage: message });
  }
}

process.on('message', (msg: InvokeRequest) => { void run(msg); });
// If the emulator goes away (Ctrl-C, crash), so does the sandbox.
process.on('disconnect', () => process.exit(1));
