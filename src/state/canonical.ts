/**
 * Canonical representatives for symmetry reduction (ARCHITECTURE.md "The checker"): two
 * states that differ only in which address-space slot holds which process, which ctx or
 * lineage id names which pfnmap_track_ctx, or which kernel slot holds which kernel mapping,
 * are the same state. VMA identity is already free (layout.ts). The representative is a
 * packed state of the same layout:
 *
 * - live address spaces first, sorted by a signature of their pages that ignores ctx ids;
 *   address spaces with equal signatures (and different pages) are tried in every order and
 *   the lexicographically smallest encoding wins (the candidate orders depend on the orbit
 *   only, so the result is canonical);
 * - ctx / lineage ids renumbered 1, 2, ... in order of first appearance (address spaces in
 *   that order, pages ascending, then tree entries, then ctxs named by nothing);
 * - kernel slots sorted by (kind, pfn, nrPages, cacheMode);
 * - the tree re-sorted after renumbering.
 *
 * With symmetry off the representative is the state itself. `procPerm` / `kPerm` give, for
 * each slot of the representative, the slot of the input state it came from (used to carry a
 * counterexample's commands back to concrete pids and handles).
 */
import { OWNER_KERNEL, ctxOff, kOff, pageOff, procOff, treeOff, type Layout } from './layout.ts';
import type { Bytes } from './access.ts';

const permutations = (xs: number[]): number[][] => {
  if (xs.length <= 1) return [xs.slice()];
  const out: number[][] = [];
  xs.forEach((x, i) => {
    for (const rest of permutations([...xs.slice(0, i), ...xs.slice(i + 1)])) out.push([x, ...rest]);
  });
  return out;
};

export class Canonicalizer {
  readonly out: Uint8Array;
  readonly procPerm: Int8Array;
  readonly kPerm: Int8Array;
  private readonly cand: Uint8Array;
  /** out and cand as 32-bit words (the layout's size is a whole number of words) */
  private readonly out32: Uint32Array;
  private readonly cand32: Uint32Array;
  private readonly candProc: Int8Array;
  /** new id of old id o, valid where stamp[o] === gen (no clearing per call) */
  private readonly map: Int16Array;
  private readonly stamp: Int32Array;
  private gen = 0;
  /** named[j]: the old id that got new id j */
  private readonly named: Int16Array;
  private readonly kmap: Int16Array;

  constructor(
    readonly L: Layout,
    readonly symmetry: boolean,
  ) {
    this.out = new Uint8Array(L.size);
    this.cand = new Uint8Array(L.size);
    this.out32 = new Uint32Array(this.out.buffer);
    this.cand32 = new Uint32Array(this.cand.buffer);
    this.procPerm = new Int8Array(L.P);
    this.candProc = new Int8Array(L.P);
    this.kPerm = new Int8Array(L.K);
    this.map = new Int16Array(OWNER_KERNEL);
    this.stamp = new Int32Array(OWNER_KERNEL);
    this.named = new Int16Array(OWNER_KERNEL + 1);
    this.kmap = new Int16Array(L.K);
    for (let p = 0; p < L.P; p++) this.procPerm[p] = p;
    for (let k = 0; k < L.K; k++) this.kPerm[k] = k;
  }

  /** Write the representative of s into this.out. */
  canon(s: Bytes): void {
    const L = this.L;
    if (!this.symmetry) {
      // the identity: procPerm and kPerm were set once in the constructor
      this.out.set(s);
      return;
    }
    // The hot path of the checker (every new successor passes here): no allocation, no
    // typed-array builtins on these few bytes, plain loops.
    // kernel slots: sorted by content (insertion sort), independent of the process order
    const liveK = this.liveK;
    let nk = 0;
    for (let k = 0; k < L.K; k++) {
      if (s[kOff(L, k)] === 0) continue;
      let j = nk++;
      while (j > 0 && this.kGreater(s, liveK[j - 1], k)) {
        liveK[j] = liveK[j - 1];
        j--;
      }
      liveK[j] = k;
    }
    for (let k = 0; k < L.K; k++) {
      this.kmap[k] = -1;
      this.kPerm[k] = -1;
    }
    for (let j = 0; j < nk; j++) {
      this.kmap[liveK[j]] = j;
      this.kPerm[j] = liveK[j];
    }
    // order live address spaces by a signature that ignores ctx ids; only processes with
    // equal signatures are permuted (the minimum over those orderings is orbit-invariant)
    const alive = this.alive;
    const sig = this.sig;
    let n = 0;
    for (let p = 0; p < L.P; p++) {
      if (s[procOff(L, p)] !== 1) continue;
      const g = this.signature(s, p);
      let j = n++;
      while (j > 0 && sig[j - 1] > g) {
        alive[j] = alive[j - 1];
        sig[j] = sig[j - 1];
        j--;
      }
      alive[j] = p;
      sig[j] = g;
    }
    // equal signatures need permuting only when the pages differ (identical address spaces,
    // a fork's parent and child, encode the same either way)
    let tied = false;
    for (let i = 1; i < n; i++) if (sig[i] === sig[i - 1] && !this.samePages(s, alive[i], alive[i - 1])) tied = true;
    if (!tied) {
      this.encode(s, alive, n, nk, this.out, this.out32, this.procPerm);
      return;
    }
    let first = true;
    for (const perm of this.tiedOrders(Array.from(alive.subarray(0, n)))) {
      for (let j = 0; j < n; j++) this.order[j] = perm[j];
      this.encode(s, this.order, n, nk, this.cand, this.cand32, this.candProc);
      if (first || this.less(this.cand, this.out)) {
        this.out.set(this.cand);
        this.procPerm.set(this.candProc);
        first = false;
      }
    }
  }

  private readonly alive = new Int8Array(8);
  private readonly order = new Int8Array(8);
  private readonly liveK = new Int8Array(64);
  private readonly sig = new Float64Array(8);

  /** Kernel slot a sorts after slot b: by (kind, pfn, nrPages, cacheMode), then slot. */
  private kGreater(s: Bytes, a: number, b: number): boolean {
    const oa = kOff(this.L, a);
    const ob = kOff(this.L, b);
    for (let j = 0; j < 4; j++) if (s[oa + j] !== s[ob + j]) return s[oa + j] > s[ob + j];
    return a > b;
  }

  private samePages(s: Bytes, p: number, q: number): boolean {
    const a = procOff(this.L, p);
    const b = procOff(this.L, q);
    for (let i = 1; i < this.L.procBytes; i++) if (s[a + i] !== s[b + i]) return false;
    return true;
  }

  /** A hash of an address space's pages with ctx ids reduced to tracked / untracked. */
  private signature(s: Bytes, p: number): number {
    const L = this.L;
    let h = 0x811c9dc5;
    for (let v = 0; v < L.V; v++) {
      const o = pageOff(L, p, v);
      h = Math.imul(h ^ s[o], 0x01000193);
      h = Math.imul(h ^ s[o + 1], 0x01000193);
      h = Math.imul(h ^ (s[o + 2] === 0 ? 0 : 1), 0x01000193);
      h = Math.imul(h ^ s[o + 3], 0x01000193);
    }
    return h >>> 0;
  }

  /** Every ordering of `order` that permutes only runs of equal signatures. */
  private tiedOrders(order: number[]): number[][] {
    let out: number[][] = [[]];
    let i = 0;
    while (i < order.length) {
      let j = i + 1;
      while (j < order.length && this.sig[j] === this.sig[i]) j++;
      const group = permutations(order.slice(i, j));
      out = out.flatMap((prefix) => group.map((g) => [...prefix, ...g]));
      i = j;
    }
    return out;
  }

  private less(a: Uint8Array, b: Uint8Array): boolean {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
    return false;
  }

  /**
   * Encode s with its live address spaces in the order perm[0..n) and its nk live kernel
   * slots in this.liveK order, into c (c32: the same bytes as words); procOf[j] = the source
   * slot of j.
   */
  private encode(s: Bytes, perm: Int8Array, n: number, nk: number, c: Uint8Array, c32: Uint32Array, procOf: Int8Array): void {
    const L = this.L;
    const map = this.map;
    const stamp = this.stamp;
    const named = this.named;
    if (++this.gen === 0x7fffffff) {
      stamp.fill(0);
      this.gen = 1;
    }
    const gen = this.gen;
    for (let i = 0; i < c32.length; i++) c32[i] = 0;
    for (let j = 0; j < 4; j++) c[j] = s[j];
    let next = 1;
    for (let j = 0; j < n; j++) {
      const p = perm[j];
      procOf[j] = p;
      c[procOff(L, j)] = 1;
      for (let v = 0; v < L.V; v++) {
        const src = pageOff(L, p, v);
        const dst = pageOff(L, j, v);
        c[dst] = s[src];
        c[dst + 1] = s[src + 1];
        const o = s[src + 2];
        if (o !== 0 && stamp[o] !== gen) {
          stamp[o] = gen;
          named[next] = o;
          map[o] = next++;
        }
        c[dst + 2] = o === 0 ? 0 : map[o];
        c[dst + 3] = s[src + 3];
      }
    }
    for (let j = n; j < L.P; j++) procOf[j] = -1;
    const nt = s[L.treeCountOff];
    for (let i = 0; i < nt; i++) {
      const o = s[treeOff(L, i) + 3];
      if (o < OWNER_KERNEL && stamp[o] !== gen) {
        stamp[o] = gen;
        named[next] = o;
        map[o] = next++;
      }
    }
    for (let o = 1; o <= L.C; o++)
      if (stamp[o] !== gen && s[ctxOff(L, o) + 1] !== 0) {
        stamp[o] = gen;
        named[next] = o;
        map[o] = next++;
      }
    for (let j = 1; j < next; j++) {
      const o = named[j];
      if (o === 0) continue;
      const src = ctxOff(L, o);
      const dst = ctxOff(L, j);
      c[dst] = s[src];
      c[dst + 1] = s[src + 1];
      c[dst + 2] = s[src + 2];
    }
    for (let j = 0; j < nk; j++) {
      const src = kOff(L, this.liveK[j]);
      const dst = kOff(L, j);
      for (let b = 0; b < 4; b++) c[dst + b] = s[src + b];
    }
    c[L.treeCountOff] = nt;
    for (let i = 0; i < nt; i++) {
      const src = treeOff(L, i);
      const o = s[src + 3];
      const no = o >= OWNER_KERNEL ? OWNER_KERNEL + this.kmap[o - OWNER_KERNEL] : stamp[o] === gen ? map[o] : 0;
      // insertion into the sorted tree area
      let k = i;
      while (k > 0 && this.entryGreater(c, treeOff(L, k - 1), s[src], s[src + 1], s[src + 2], no)) {
        const to = treeOff(L, k);
        for (let b = 0; b < 4; b++) c[to + b] = c[to - 4 + b];
        k--;
      }
      const dst = treeOff(L, k);
      c[dst] = s[src];
      c[dst + 1] = s[src + 1];
      c[dst + 2] = s[src + 2];
      c[dst + 3] = no;
    }
  }

  private entryGreater(c: Uint8Array, o: number, a: number, b: number, t: number, w: number): boolean {
    if (c[o] !== a) return c[o] > a;
    if (c[o + 1] !== b) return c[o + 1] > b;
    if (c[o + 2] !== t) return c[o + 2] > t;
    return c[o + 3] > w;
  }
}
