/**
 * memtype-no-overlap: no two overlapping reservations in the memtype tree have different
 * cache modes.
 *
 * Kept by: memtype_check_conflict in memtype_reserve (reference §1.4): a request that overlaps
 * entries of more than one type fails with -EBUSY; a non-strict request takes the existing
 * type instead of its own.
 * Broken by: a reservation that skips the conflict check (mutant `reserve-no-conflict-check`).
 */
import { tEnd, tStart, tType, treeCount, type Bytes } from '../src/state/access.ts';
import { entryText, type View } from '../src/state/describe.ts';
import type { Invariant } from './invariant.ts';

const check = (w: View, s: Bytes): string | null => {
  const { L } = w;
  const n = treeCount(L, s);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++)
      if (tStart(L, s, j) < tEnd(L, s, i) && tStart(L, s, i) < tEnd(L, s, j) && tType(L, s, i) !== tType(L, s, j))
        return `memtype ${entryText(w, s, i)} overlaps ${entryText(w, s, j)} with a different cache mode`;
  return null;
};

export const memtypeNoOverlap: Invariant = {
  name: 'memtype-no-overlap',
  kind: 'safety',
  statement: 'no two overlapping reservations in the tree have different cache modes',
  check,
};
