/**
 * Files of the bundle cache (node_modules/.cache/pfnmap/) that a newer build or run has
 * replaced: each writer removes the old ones it recognizes once they are older than the time
 * a run that read their names could still take to open them.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** How old a replaced file must be before it is removed: a run that chose it opens it within moments, never an hour later. */
export const STALE_CACHE_MS = 60 * 60 * 1000;

/**
 * Remove the files of dir that `replaced` names and whose last modification is more than
 * STALE_CACHE_MS before `now`; returns the names removed. A file that another run removes
 * first is not an error.
 */
export const dropStaleFiles = (dir: string, replaced: (name: string) => boolean, now: number): string[] => {
  const dropped: string[] = [];
  for (const f of readdirSync(dir)) {
    if (!replaced(f)) continue;
    try {
      if (now - statSync(join(dir, f)).mtimeMs <= STALE_CACHE_MS) continue;
      rmSync(join(dir, f), { force: true });
      dropped.push(f);
    } catch {
      // removed by another run meanwhile
    }
  }
  return dropped;
};
