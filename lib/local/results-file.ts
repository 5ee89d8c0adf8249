import { accessSync, constants, copyFileSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../frameworks/run/training-config';

// A run's results are written under runs/<id>/ first, then copied where --out says: a copy that
// fails (disk full, permissions changed meanwhile) loses nothing. Where --out points is checked
// before training, so a bad path is refused before minutes of work.

/** Refuses `file` (given with `flag`) unless a results file can be written there. */
export function assertWritableFile(flag: string, file: string): void {
  const target = path.resolve(file);
  const refuse = (why: string): never => {
    throw new InvalidInputError(`${flag} ${file}: ${why}`);
  };
  if (existsSync(target) && statSync(target).isDirectory()) refuse('is a directory, not a file');
  const dir = nearestExisting(path.dirname(target));
  if (!statSync(dir).isDirectory()) refuse(`${dir} is not a directory`);
  try {
    accessSync(existsSync(target) ? target : dir, constants.W_OK);
  } catch (err) {
    refuse(`cannot write there (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** Writes the results into the run's folder, then copies them to `out` if given; returns where they are. */
export function saveResults(results: unknown, runDir: string, out?: string): string {
  const own = path.join(runDir, 'results.json');
  mkdirSync(runDir, { recursive: true });
  writeFileSync(own, JSON.stringify(results, null, 2) + '\n');
  if (!out || path.resolve(out) === own) return own;
  try {
    mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    copyFileSync(own, out);
  } catch (err) {
    throw new Error(`could not copy the results to ${out} (${(err as Error).message}); they are kept in ${own}`);
  }
  return out;
}

/** The path itself or its closest ancestor that exists (mkdir -p would create the rest there). */
function nearestExisting(dir: string): string {
  let at = dir;
  while (!existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  return at;
}
