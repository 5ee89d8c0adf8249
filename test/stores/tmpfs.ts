import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/** A tiny tmpfs for disk-full tests: mounting needs root (CAP_SYS_ADMIN). */
export interface TinyTmpfs {
  dir: string;
  unmount(): void;
}

export type TmpfsMount = { tmpfs: TinyTmpfs } | { error: string };

export function mountTinyTmpfs(dir: string, sizeKiB = 64): TmpfsMount {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    return { error: String((err as { stderr?: Buffer }).stderr ?? err).trim() };
  }
  return { tmpfs: { dir, unmount: () => execFileSync('umount', [dir], { stdio: 'pipe' }) } };
}
