import * as fs from 'node:fs';
import * as path from 'node:path';

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The absolute path of `name` on PATH, or undefined. */
export function findOnPath(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Resolves the server binary before spawning it, so a missing one gets an error that says how to
 * install it instead of a bare ENOENT. `binary` may be a name looked up on PATH or a path.
 */
export function resolveBinary(binary: string, debianPackage: string): string {
  const hint = `install it with 'apt-get install ${debianPackage}' or run 'mltrain doctor --fix'`;
  if (binary.includes('/')) {
    if (isExecutableFile(binary)) return path.resolve(binary);
    throw new Error(`${binary} not found or not executable: ${hint}`);
  }
  const found = findOnPath(binary);
  if (!found) throw new Error(`${binary} not found on PATH: ${hint}`);
  return found;
}
