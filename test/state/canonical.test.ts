/**
 * The canonical form (src/state/canonical.ts), exhaustively on small universes: for every state
 * reachable with symmetry off, every renaming the symmetry covers (which slot holds which
 * address space, which ctx or lineage id names which owner, which slot holds which kernel
 * mapping) has the same canonical form as the state; and the search with symmetry on finds
 * exactly as many states as the symmetry-off state set has distinct canonical forms.
 */
import { describe, expect, it } from 'vitest';
import { checkSync } from '../../src/checker/check.ts';
import { NAMED_CONFIGS } from '../../src/checker/configs.ts';
import { decodeConfig } from '../../src/state/config.ts';
import { Canonicalizer } from '../../src/state/canonical.ts';
import { parseDesign, TRACKED, type Design } from '../../src/state/design.ts';
import { OWNER_KERNEL, ctxOff, kOff, layoutOf, pageOff, procOff, treeOff, type Layout } from '../../src/state/layout.ts';
import type { Universe } from '../../src/state/universe.ts';
import { reachable } from '../support/reachable.ts';

/** s with address space slot j ← procPerm[j], owner id o → idMap[o], kernel slot j ← kPerm[j]; the tree re-sorted. */
const permute = (L: Layout, s: Uint8Array, procPerm: readonly number[], idMap: ReadonlyMap<number, number>, kPerm: readonly number[]): Uint8Array => {
  const out = new Uint8Array(L.size);
  out.set(s.subarray(0, 4));
  const id = (o: number): number => (o === 0 ? 0 : idMap.get(o)!);
  const kInv = new Map(kPerm.map((old, j) => [old, j]));
  for (let j = 0; j < L.P; j++) {
    const p = procPerm[j];
    out[procOff(L, j)] = s[procOff(L, p)];
    for (let v = 0; v < L.V; v++) {
      const a = pageOff(L, p, v);
      const b = pageOff(L, j, v);
      out[b] = s[a];
      out[b + 1] = s[a + 1];
      out[b + 2] = id(s[a + 2]);
      out[b + 3] = s[a + 3];
    }
  }
  for (let c = 1; c <= L.C; c++) if (s[ctxOff(L, c) + 1] !== 0) out.set(s.subarray(ctxOff(L, c), ctxOff(L, c) + 3), ctxOff(L, id(c)));
  kPerm.forEach((old, j) => out.set(s.subarray(kOff(L, old), kOff(L, old) + 4), kOff(L, j)));
  const entries: number[][] = [];
  for (let i = 0; i < s[L.treeCountOff]; i++) {
    const o = treeOff(L, i);
    const w = s[o + 3];
    entries.push([s[o], s[o + 1], s[o + 2], w >= OWNER_KERNEL ? OWNER_KERNEL + kInv.get(w - OWNER_KERNEL)! : id(w)]);
  }
  entries.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2] || x[3] - y[3]);
  out[L.treeCountOff] = entries.length;
  entries.forEach((e, i) => out.set(e, treeOff(L, i)));
  return out;
};

const permutations = (xs: readonly number[]): number[][] =>
  xs.length <= 1 ? [xs.slice()] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((r) => [x, ...r]));

/** The owner ids s names (pages, tree entries, live ctx slots). */
const usedIds = (L: Layout, s: Uint8Array): number[] => {
  const ids = new Set<number>();
  for (let p = 0; p < L.P; p++) for (let v = 0; v < L.V; v++) if (s[pageOff(L, p, v) + 2]) ids.add(s[pageOff(L, p, v) + 2]);
  for (let i = 0; i < s[L.treeCountOff]; i++) if (s[treeOff(L, i) + 3] < OWNER_KERNEL) ids.add(s[treeOff(L, i) + 3]);
  for (let c = 1; c <= L.C; c++) if (s[ctxOff(L, c) + 1]) ids.add(c);
  return [...ids];
};

/**
 * The id renamings tried for a state naming ids U: every injection of U into U plus as many
 * ids not in U (the lowest), so that ids both move among themselves and move to ids never
 * used; above 3 ids, the permutations of U and one shift to unused ids.
 */
const idMaps = (L: Layout, used: readonly number[]): Map<number, number>[] => {
  const spare: number[] = [];
  for (let c = 1; c <= L.C && spare.length < used.length; c++) if (!used.includes(c)) spare.push(c);
  if (used.length > 3) return [...permutations(used).map((p) => new Map(used.map((u, i) => [u, p[i]]))), new Map(used.map((u, i) => [u, spare[i] ?? u]))];
  const targets = [...used, ...spare];
  const out: Map<number, number>[] = [];
  const pick = (i: number, m: Map<number, number>, taken: Set<number>): void => {
    if (i === used.length) return void out.push(new Map(m));
    for (const t of targets) {
      if (taken.has(t)) continue;
      taken.add(t);
      m.set(used[i], t);
      pick(i + 1, m, taken);
      taken.delete(t);
    }
  };
  pick(0, new Map(), new Set());
  return out;
};

const check = (u: Universe, design: Design) => {
  const L = layoutOf(u);
  const raw = reachable(u, design).states;
  const canon = new Canonicalizer(L, true);
  const forms = new Set<string>();
  const procPerms = permutations([...Array(L.P).keys()]);
  const kPerms = permutations([...Array(L.K).keys()]);
  let renamings = 0;
  for (const s of raw) {
    canon.canon(s);
    const form = Buffer.from(canon.out).toString('hex');
    forms.add(form);
    for (const pp of procPerms)
      for (const m of idMaps(L, usedIds(L, s)))
        for (const kp of kPerms) {
          canon.canon(permute(L, s, pp, m, kp));
          renamings++;
          if (Buffer.from(canon.out).toString('hex') !== form)
            throw new Error(`${u.name}/${design.name}: state ${Buffer.from(s).toString('hex')} renamed (procs ${pp}, ids ${[...m]}, kernel ${kp}) has another canonical form`);
        }
  }
  const sym = checkSync({ universe: u, design, invariants: [], symmetry: true, workers: 1 });
  expect(sym.distinct, `${u.name}/${design.name}: states with symmetry against canonical forms of the ${raw.length} without`).toBe(forms.size);
  return { raw: raw.length, canonical: forms.size, renamings };
};

/** Two address spaces, two kernel slots: every kind of renaming happens. */
const SYM2 = decodeConfig({
  name: 'sym2',
  procs: 2,
  vpages: 2,
  pfns: 2,
  maxMapPages: 1,
  kernelMapPages: 1,
  kernelSlots: 2,
  treeMax: 3,
  commands: { mmapDevmem: true, munmap: true, mprotect: false, fork: true, exit: true, memremap: true, ioremap: true },
}) as Universe;

describe('canonical form (symmetry reduction)', () => {
  it('renaming address spaces, ids and kernel slots of any reachable state keeps its canonical form; the counts agree', () => {
    const seen = [
      check(NAMED_CONFIGS.tiny.universe, TRACKED),
      check(NAMED_CONFIGS.kernel2.universe, TRACKED),
      check(SYM2, TRACKED),
      check({ ...SYM2, treeMax: 2 }, parseDesign('legacy@v6.1') as Design),
    ];
    // the pinned counts of the named configs, symmetry off and on (src/checker/configs.ts)
    expect(seen[0]).toMatchObject({ raw: 24, canonical: 16 });
    expect(seen[1]).toMatchObject({ raw: 18090, canonical: 11338 });
    for (const x of seen.slice(2)) expect(x.canonical).toBeLessThan(x.raw);
  });
});
