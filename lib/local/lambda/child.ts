import '../../util/polyfills';
import { startCompileCache } from './compile-cache';
import { sentinel, type InitReply, type InvokeReply, type InvokeRequest } from './protocol';

// A warm sandbox for one function: loads its handler's esbuild bundle once (Lambda's init phase, outside the
// function's timeout), then runs the invocations the emulator sends, one at a time, in the same
// process, so module state (loaded models, clients, the TF.js backend) persists between them as on
// Lambda. The context mirrors the parts of Lambda's context the handlers use.

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

function send(message: InvokeReply | InitReply): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()));
}

/** Pipes to the parent are synchronous on Linux: once written, a sentinel follows every earlier line. */
function mark(kind: 'start' | 'end', requestId: string): void {
  process.stdout.write(sentinel(kind, requestId) + '\n');
  process.stderr.write(sentinel(kind, requestId) + '\n');
}

function load(bundle: string, exportName: string, source: string, compileCacheDir: string): Handler {
  // Source maps are registered by Node's own compiler, which the code cache replaces.
  const cache = compileCacheDir && !process.sourceMapsEnabled ? startCompileCache(compileCacheDir) : undefined;
  let mod: Record<string, unknown>;
  try {
    mod = require(bundle) as Record<string, unknown>;
    cache?.save();
  } finally {
    cache?.stop();
  }
  const handler = mod[exportName];
  if (typeof handler !== 'function') {
    const err = new Error(`${source} exports no function named ${exportName}`);
    err.name = 'Runtime.HandlerNotFound';
    throw err;
  }
  return handler as Handler;
}

async function run(handler: Handler, req: InvokeRequest): Promise<void> {
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
    const value = await handler(req.event, context);
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

// If the emulator goes away (Ctrl-C, crash), so does the sandbox.
process.on('disconnect', () => process.exit(1));

// argv: the function's bundle, its handler's export name, the source file it was built from, why
// the bundle could not be built (if so), and the folder of V8's code cache ('' for none).
const [bundle, exportName, source, buildError, compileCacheDir = ''] = process.argv.slice(2);
try {
  if (buildError) {
    const err = new Error(buildError);
    err.name = 'Runtime.UserCodeSyntaxError';
    throw err;
  }
  const handler = load(bundle, exportName, source, compileCacheDir);
  process.on('message', (msg: InvokeRequest) => { void run(handler, msg); });
  void send({ type: 'ready', ok: true });
} catch (err) {
  const e = err instanceof Error ? err : new Error(String(err));
  void send({ type: 'ready', ok: false, errorType: e.name, errorMessage: e.message });
}
