import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

// V8's code cache for a sandbox's init phase. Parsing and compiling the handler's bundle and the
// packages it loads (TF.js, the AWS SDK) is most of a cold start's CPU; Node 22 caches that on disk
// (module.enableCompileCache), Node 20, which Lambda and this machine run, does not. While a
// sandbox loads its handler, every CommonJS file is compiled with the cached data of an earlier
// sandbox, keyed by the file's path and content; files without it are compiled as usual and their
// code cached once the handler has loaded. Only the init phase is hooked: what a handler requires
// later goes through Node's own loader.

interface CompiledModule {
  exports: unknown;
  require(id: string): unknown;
}

type Compile = (this: CompiledModule, content: string, filename: string) => unknown;
type ModuleInternals = {
  prototype: { _compile: Compile };
  wrap(content: string): string;
  _resolveFilename(request: string, parent: unknown, isMain: boolean, options?: unknown): string;
  _resolveLookupPaths(request: string, parent: unknown): string[] | null;
  _extensions: unknown;
  _cache: unknown;
};

const internals = Module as unknown as ModuleInternals;

export interface CompileCacheSession {
  /** Writes the code of the files compiled without cached data that no other sandbox has written; returns how many. */
  save(): number;
  /** Puts Node's own compiler back. */
  stop(): void;
  /** Files compiled with accepted cached data, and without. */
  stats(): { hits: number; misses: number };
}

/** Hooks CommonJS compilation so it reads and fills the code cache in `dir`. */
export function startCompileCache(dir: string): CompileCacheSession {
  const original = internals.prototype._compile;
  const fresh: { file: string; script: vm.Script; rejected: boolean }[] = [];
  let hits = 0;
  internals.prototype._compile = function compileWithCache(this: CompiledModule, content: string, filename: string): unknown {
    // A hashbang is invalid once wrapped; V8 drops a script's import() callback when it takes cached data.
    if (content.startsWith('#!') || callsImport(content)) return original.call(this, content, filename);
    const file = path.join(dir, `${createHash('sha256').update(filename).update('\0').update(content).digest('hex')}.v8`);
    const cachedData = readIfPresent(file);
    const script = new vm.Script(internals.wrap(content), { filename, cachedData });
    if (cachedData && !script.cachedDataRejected) hits++;
    else fresh.push({ file, script, rejected: !!cachedData });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, requireFor(this), this, filename, path.dirname(filename));
  };
  return {
    save: () => {
      mkdirSync(dir, { recursive: true });
      // Sandboxes that started together all missed: the first to finish writes each file (a
      // rejected one, from another V8 or other flags, is replaced).
      const unwritten = fresh.splice(0).filter(({ file, rejected }) => rejected || !existsSync(file));
      for (const { file, script } of unwritten) writeAtomically(file, script.createCachedData());
      return unwritten.length;
    },
    stop: () => { internals.prototype._compile = original; },
    stats: () => ({ hits, misses: fresh.length }),
  };
}

/** Whether the code may call import(): an `import(` that is not a method and not on a comment line. */
export function callsImport(content: string): boolean {
  for (const match of content.matchAll(/(?<![.\w$])import\s*\(/g)) {
    const lineStart = content.lastIndexOf('\n', match.index) + 1;
    if (!/^\s*(\/\/|\/?\*)/.test(content.slice(lineStart, match.index))) return true;
  }
  return false;
}

/** The `require` a module gets, as Node builds it. */
function requireFor(mod: CompiledModule): NodeJS.Require {
  const req = ((id: string) => mod.require(id)) as NodeJS.Require;
  const resolve = ((request: string, options?: { paths?: string[] }) => internals._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => internals._resolveLookupPaths(request, mod);
  req.resolve = resolve;
  req.main = require.main;
  req.extensions = internals._extensions as NodeJS.RequireExtensions;
  req.cache = internals._cache as NodeJS.Dict<NodeJS.Module>;
  return req;
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Sandboxes starting together write the same file: each renames a complete copy into place. */
function writeAtomically(file: string, data: Buffer): void {
  const partial = `${file}.${randomBytes(4).toString('hex')}`;
  writeFileSync(partial, data);
  renameSync(partial, file);
}
