/**
 * The model's state and events in the vocabulary of a recorded kernel run (docs/real-kernel.md):
 * virtual addresses relative to the window W (model page i is W + i*4096), physical addresses
 * relative to the slice base X (device frame i is X + i*4096), memtype entries as
 * pat_memtype_list shows them, VMAs with pf (VM_PFNMAP) and ar (VM_PAT), and the PAT kernel
 * log lines a step prints. Shared by the C generator (which embeds the predictions) and by
 * conform (which recomputes them).
 */
import type { Command } from '../events/commands.ts';
import type { Event } from '../events/codecs.ts';
import { isAlive, tEnd, tStart, tType, treeCount, vmasOf, type Bytes } from '../state/access.ts';
import { CATTR_NAMES, modeIndex } from '../state/cacheMode.ts';
import { hasVmPat, type Design } from '../state/design.ts';
import { errnoSymbol } from '../state/errno.ts';
import { pidOf } from '../state/geometry.ts';
import { VF_PFNMAP, type Layout } from '../state/layout.ts';
import { PAGE_SIZE, type Universe } from '../state/universe.ts';

const hex = (n: number): string => n.toString(16);
/** "W+0x1000" for a byte offset from W ("W-0x1000" below it). */
export const wRel = (off: number): string => (off < 0 ? `W-0x${hex(-off)}` : `W+0x${hex(off)}`);
/** "X+0x1000" for a byte offset from X. */
export const xRel = (off: number): string => (off < 0 ? `X-0x${hex(-off)}` : `X+0x${hex(off)}`);
/** W-relative text of a model virtual address. */
export const vaText = (u: Universe, addr: number): string => wRel(addr - u.vaBasePage * PAGE_SIZE);
/** Offset from W of a model virtual address. */
export const vaOff = (u: Universe, addr: number): number => addr - u.vaBasePage * PAGE_SIZE;

/** errno name as the C runtime prints it ("" for 0). */
export const errName = (e: number): string => (e === 0 ? '' : (errnoSymbol(e) ?? `E${e}`));

export interface Outcome {
  /** rendered result: "W+0x1000", "MAP_FAILED", "0", "-1", "child", "exit 0", "ok", "SIGBUS" */
  readonly ret: string;
  readonly errno: number;
}

/** A command's result as the C program renders the real one. */
export const renderOutcome = (u: Universe, cmd: Command, ret: number, signal?: string): Outcome => {
  const fail = ret < 0;
  switch (cmd.kind) {
    case 'mmap':
    case 'mremap':
      return fail ? { ret: 'MAP_FAILED', errno: -ret } : { ret: vaText(u, ret), errno: 0 };
    case 'fork':
      return fail ? { ret: '-1', errno: -ret } : { ret: 'child', errno: 0 };
    case 'exit':
      return { ret: 'exit 0', errno: 0 };
    case 'write_fault':
      return { ret: signal ?? 'ok', errno: 0 };
    default:
      return fail ? { ret: '-1', errno: -ret } : { ret: String(ret), errno: 0 };
  }
};

export const outcomeText = (o: Outcome): string => (o.errno ? `${o.ret} ${errName(o.errno)}` : o.ret);

// ---------------------------------------------------------------------------------------------
// memtype entries

export interface MemtypeRow {
  readonly start: string;
  readonly end: string;
  readonly type: string;
  readonly count: number;
}

/** The tree as pat_memtype_list shows it: sorted by (start, end, type), identical entries counted. */
export const memtypeRows = (L: Layout, s: Bytes): MemtypeRow[] => {
  const raw: { s: number; e: number; t: string }[] = [];
  for (let k = 0; k < treeCount(L, s); k++) raw.push({ s: tStart(L, s, k), e: tEnd(L, s, k), t: CATTR_NAMES[tType(L, s, k)] });
  return mergeRows(raw.map((r) => ({ s: r.s * PAGE_SIZE, e: r.e * PAGE_SIZE, t: r.t })));
};

/** Sort by (start, end, type) as the C runtime does (strcmp on the type), merge identical rows. */
export const mergeRows = (raw: readonly { s: number; e: number; t: string; n?: number }[]): MemtypeRow[] => {
  const sorted = [...raw].sort((a, b) => a.s - b.s || a.e - b.e || (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  const out: { s: number; e: number; t: string; n: number }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.s === r.s && last.e === r.e && last.t === r.t) last.n += r.n ?? 1;
    else out.push({ ...r, n: r.n ?? 1 });
  }
  return out.map((r) => ({ start: xRel(r.s), end: xRel(r.e), type: r.t, count: r.n }));
};

/** The signature the C program compares: "X+0x0-X+0x2000:write-back*1;..." */
export const memtypeSig = (rows: readonly MemtypeRow[]): string => rows.map((r) => `${r.start}-${r.end}:${r.type}*${r.count}`).join(';');
export const memtypeText = (rows: readonly MemtypeRow[]): string =>
  rows.length ? rows.map((r) => `[${r.start},${r.end}) ${r.type}${r.count > 1 ? ` x${r.count}` : ''}`).join(' ') : '(none)';

// ---------------------------------------------------------------------------------------------
// VMAs

export interface VmaRow {
  readonly pid: number;
  readonly start: string;
  readonly end: string;
  readonly pf: boolean;
  /** VM_PAT, smaps' `ar` (x86's VM_ARCH_1); never set in a design without the flag (v6.16+) */
  readonly ar: boolean;
}

/**
 * Every VMA of every live address space, by pid then address. `ar` is VM_PAT where the design
 * has the flag (legacy: the VMA owns a reservation); from v6.16 the flag is gone
 * (cba4dbeb7bfc) and a pfnmap_track_ctx does not show in smaps, so `ar` is always false.
 */
export const vmaRows = (L: Layout, s: Bytes, design: Design): VmaRow[] => {
  const vmPat = hasVmPat(design);
  const out: VmaRow[] = [];
  for (let p = 0; p < L.P; p++) {
    if (!isAlive(L, s, p)) continue;
    for (const m of vmasOf(L, s, p))
      out.push({ pid: pidOf(p), start: wRel(m.start * PAGE_SIZE), end: wRel(m.end * PAGE_SIZE), pf: (m.flags & VF_PFNMAP) !== 0, ar: vmPat && m.owner !== 0 });
  }
  return out;
};

export const vmaSig = (rows: readonly VmaRow[]): string => rows.map((r) => `${r.pid}:${r.start}-${r.end}:${r.pf ? 'pf' : '-'}${r.ar ? ',ar' : ''}`).join(';');
export const vmaText = (rows: readonly VmaRow[]): string =>
  rows.length ? rows.map((r) => `pid ${r.pid} [${r.start},${r.end}) {${[r.pf ? 'pf' : '', r.ar ? 'ar' : ''].filter(Boolean).join(',')}}`).join(' ') : '(none)';

// ---------------------------------------------------------------------------------------------
// PAT kernel log events

export type PatEvent =
  /** "memtype_reserve added [mem a-b], track T, ..." (printed with debugpat only) */
  | { readonly kind: 'reserve'; readonly start: string; readonly end: string; readonly type: string }
  /** "memtype_reserve failed [mem a-b], ..." */
  | { readonly kind: 'reserve_failed'; readonly start: string; readonly end: string }
  /** "memtype_free request [mem a-b]" (debugpat only) */
  | { readonly kind: 'free'; readonly start: string; readonly end: string }
  /** "freeing invalid memtype [mem a-b]" */
  | { readonly kind: 'invalid_free'; readonly start: string; readonly end: string }
  /** "map pfn expected mapping type W for [mem a-b], got T" */
  | { readonly kind: 'type_mismatch'; readonly start: string; readonly end: string; readonly got: string }
  /** a WARNING; where: the function it names (get_pat_info, ...) */
  | { readonly kind: 'warn'; readonly where: string };

/** The kinds the kernel prints only with `debugpat` on its command line. */
export const DEBUGPAT_KINDS: ReadonlySet<PatEvent['kind']> = new Set(['reserve', 'free']);

export const patEventText = (e: PatEvent): string => {
  switch (e.kind) {
    case 'reserve':
      return `reserve [${e.start},${e.end}) ${e.type}`;
    case 'reserve_failed':
      return `reserve failed [${e.start},${e.end})`;
    case 'free':
      return `free [${e.start},${e.end})`;
    case 'invalid_free':
      return `freeing invalid memtype [${e.start},${e.end})`;
    case 'type_mismatch':
      return `map pfn expected mapping type ... for [${e.start},${e.end}), got ${e.got}`;
    case 'warn':
      return `WARNING in ${e.where}`;
  }
};

const cattr = (m: string): string => CATTR_NAMES[modeIndex(m)] ?? m;

/**
 * The PAT log lines the model's events of one step stand for, in order. A reservation the
 * caller refuses (reserve_pfn_range: the type differs and may not be used) is a
 * memtype_reserve immediately followed by the memtype_free of the same range: the kernel
 * prints "added", "free request", then "map pfn expected mapping type".
 */
export const patEventsOf = (u: Universe, events: readonly Event[]): PatEvent[] => {
  const base = u.physBasePfn * PAGE_SIZE;
  const rel = (a: number): string => xRel(a - base);
  const out: PatEvent[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.type === 'memtype_reserve') {
      if (e.ret !== 0) {
        out.push({ kind: 'reserve_failed', start: rel(e.startPaddr), end: rel(e.endPaddr) });
        continue;
      }
      out.push({ kind: 'reserve', start: rel(e.startPaddr), end: rel(e.endPaddr), type: cattr(e.newType) });
      const n = events[i + 1];
      if (n && n.type === 'memtype_free' && n.match !== 'none' && n.startPaddr === e.startPaddr && n.endPaddr === e.endPaddr) {
        out.push({ kind: 'free', start: rel(n.startPaddr), end: rel(n.endPaddr) });
        out.push({ kind: 'type_mismatch', start: rel(e.startPaddr), end: rel(e.endPaddr), got: cattr(e.newType) });
        i++;
      }
    } else if (e.type === 'memtype_free') {
      out.push(e.match === 'none' ? { kind: 'invalid_free', start: rel(e.startPaddr), end: rel(e.endPaddr) } : { kind: 'free', start: rel(e.startPaddr), end: rel(e.endPaddr) });
    } else if (e.type === 'warn') {
      out.push({ kind: 'warn', where: e.reason === 'get_pat_info' ? 'get_pat_info' : e.reason });
    }
  }
  return out;
};

