import type { LayoutEntry } from './types';

/** A copy callers may change without touching the model's own layout. */
export function copyLayout(entries: readonly LayoutEntry[]): LayoutEntry[] {
  return entries.map((e) => ({ ...e, shape: [...e.shape] }));
}
