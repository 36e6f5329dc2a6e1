/** The registry of invariants, in the order they are checked and reported. */
import type { Design } from '../src/state/design.ts';
import type { Invariant } from './invariant.ts';
import { krefExact } from './krefExact.ts';
import { memtypeNoLeak } from './memtypeNoLeak.ts';
import { memtypeNoOverlap } from './memtypeNoOverlap.ts';
import { noInvalidFree } from './noInvalidFree.ts';
import { noWarn } from './noWarn.ts';
import { pteNoAlias } from './pteNoAlias.ts';
import { trackingPrecise } from './trackingPrecise.ts';
import { vmaNoOverlap } from './vmaNoOverlap.ts';

export const INVARIANTS: readonly Invariant[] = [
  vmaNoOverlap,
  memtypeNoOverlap,
  pteNoAlias,
  memtypeNoLeak,
  noInvalidFree,
  noWarn,
  krefExact,
  trackingPrecise,
];

export const invariantsFor = (d: Design): Invariant[] => INVARIANTS.filter((i) => !i.designs || i.designs.includes(d.kind));

export const invariantNamed = (name: string): Invariant | undefined => INVARIANTS.find((i) => i.name === name);
