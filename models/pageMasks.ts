/**
 * What the syscall machine's checks read of a state (syscallMachine.ts, kernel.ts `classify`):
 * per address space, whether it is alive and, as bit masks over its pages, which pages are
 * inside a VMA and which of those have VM_DONTCOPY, VM_READ, VM_WRITE, VM_PFNMAP. Two states
 * with the same masks get the same answers from those checks, so the checker caches its plans
 * (which actions change nothing) by these words.
 */
import type { Bytes } from '../src/state/access.ts';
import { VF_DONTCOPY, VF_IN_VMA, VF_PFNMAP, VF_READ, VF_WRITE, pageOff, procOff, type Layout } from '../src/state/layout.ts';

export const M_ALIVE = 0;
export const M_MAPPED = 1;
export const M_DONTCOPY = 2;
export const M_READ = 3;
export const M_WRITE = 4;
export const M_PFNMAP = 5;
export const M_WORDS = 6;

export class PageMasks {
  /** M_WORDS words per address space */
  readonly words: Int32Array;
  constructor(readonly L: Layout) {
    this.words = new Int32Array(M_WORDS * L.P);
  }

  /** Read every address space of s. */
  load(s: Bytes): void {
    for (let p = 0; p < this.L.P; p++) this.loadProc(s, p);
  }

  /** Read only whether each address space is alive (the decider, then loadProc of the one a command runs in). */
  loadAlive(s: Bytes): void {
    for (let p = 0; p < this.L.P; p++) this.words[M_WORDS * p + M_ALIVE] = s[procOff(this.L, p)];
  }

  /** Read address space p of s. */
  loadProc(s: Bytes, p: number): void {
    const L = this.L;
    let m = 0;
    let d = 0;
    let r = 0;
    let w = 0;
    let x = 0;
    for (let v = 0; v < L.V; v++) {
      const f = s[pageOff(L, p, v)];
      const bit = 1 << v;
      if (f & VF_IN_VMA) m |= bit;
      if (f & VF_DONTCOPY) d |= bit;
      if (f & VF_READ) r |= bit;
      if (f & VF_WRITE) w |= bit;
      if (f & VF_PFNMAP) x |= bit;
    }
    const o = M_WORDS * p;
    const g = this.words;
    g[o + M_ALIVE] = s[procOff(L, p)];
    g[o + M_MAPPED] = m;
    g[o + M_DONTCOPY] = d;
    g[o + M_READ] = r;
    g[o + M_WRITE] = w;
    g[o + M_PFNMAP] = x;
  }

  /** Mask word `field` (M_) of address space p. */
  of(p: number, field: number): number {
    return this.words[M_WORDS * p + field];
  }

  /** Some address-space slot is free (fork can create a process). */
  freeSlot(): boolean {
    for (let p = 0; p < this.L.P; p++) if (this.words[M_WORDS * p + M_ALIVE] === 0) return true;
    return false;
  }
}
