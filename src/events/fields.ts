/**
 * The fields events carry, each with its unit: how it reads in an event log (kernel units:
 * pids, virtual byte addresses, pfns, physical byte addresses, cache-mode names, flag names)
 * and the number the state and the checker's event buffer hold (an address-space slot, a
 * virtual page, a device frame, a cache-mode index, flag bits). An event kind (codecs.ts) is a
 * list of such fields; its io-ts codec, its integer encoding and its decoding all follow from
 * the list, so the two forms of an event cannot drift apart.
 *
 * `toInt` checks only what the unit itself requires (a whole number, a page-aligned address,
 * a known name) and returns a message otherwise; whether a value fits the universe and the
 * state is the event's own `validate` (codecs.ts), which can name the range it is about.
 */
import * as t from 'io-ts';
import { CACHE_MODES, modeIndex } from '../state/cacheMode.ts';
import { hex, pidOf, type Geometry } from '../state/geometry.ts';
import { OWNER_KERNEL, VF_DONTCOPY, VF_PFNMAP, VF_READ, VF_WRITE } from '../state/layout.ts';
import { PAGE_SIZE, pageAligned } from '../state/universe.ts';
import { Command } from './commands.ts';

/**
 * What converting between the two forms needs: the universe's geometry, how tree owners are
 * named (a VM_PAT lineage in the legacy design, a pfnmap_track_ctx otherwise) and the commands
 * the `syscall` / `kernel_call` events carry (held by index in the integer form).
 */
export interface UnitContext {
  readonly g: Geometry;
  readonly owners: OwnerVocabulary;
  readonly commands: CommandTable;
}

/** How a design names the owner of a tree entry in an event log. */
export type OwnerVocabulary = 'ctx' | 'lineage';

/** The commands of a run, by index (the integer form of a `cmd` field); equal commands share an index. */
export class CommandTable {
  private readonly list: Command[] = [];
  private readonly index = new Map<string, number>();
  constructor(commands: readonly Command[] = []) {
    for (const c of commands) this.add(c);
  }
  add(c: Command): number {
    const k = JSON.stringify(c);
    let i = this.index.get(k);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(c);
      this.index.set(k, i);
    }
    return i;
  }
  at(i: number): Command {
    return this.list[i];
  }
}

/** A field: its codec in the log, and the conversions. An absent optional field is NaN in the integer form. */
export interface Field<J> {
  readonly codec: t.Type<J, J, unknown>;
  readonly toInt: (c: UnitContext, v: J) => number | string;
  readonly toJson: (c: UnitContext, n: number) => J;
}

const integer = (what: string, v: number): number | string => (Number.isInteger(v) ? v : `${what} ${v} must be a whole number`);

/** A plain whole number (a return value, a count, an id, a handle). */
const int: Field<number> = { codec: t.number, toInt: (_c, v) => integer('value', v), toJson: (_c, n) => n };

/** pid ⇄ address-space slot (pid - 1); whether the slot exists is the event's check. */
const pid: Field<number> = { codec: t.number, toInt: (_c, v) => (Number.isInteger(v) ? v - 1 : `pid ${v} must be a whole number`), toJson: (_c, n) => pidOf(n) };

/** virtual byte address ⇄ virtual page index (may lie outside the window: the event checks). */
const addr: Field<number> = {
  codec: t.number,
  toInt: (c, v) => (pageAligned(v) ? v / PAGE_SIZE - c.g.vaBasePage : `address ${typeof v === 'number' ? hex(v) : v} is not page aligned`),
  toJson: (c, n) => (c.g.vaBasePage + n) * PAGE_SIZE,
};

/** pfn ⇄ device frame index (may lie outside the device range: the event checks). */
const pfn: Field<number> = {
  codec: t.number,
  toInt: (c, v) => (Number.isInteger(v) ? v - c.g.physBasePfn : `pfn ${v} must be a whole number`),
  toJson: (c, n) => c.g.physBasePfn + n,
};

/** physical byte address ⇄ device frame index (a range end may equal the frame count). */
const paddr: Field<number> = {
  codec: t.number,
  toInt: (c, v) => (pageAligned(v) ? v / PAGE_SIZE - c.g.physBasePfn : `physical address ${typeof v === 'number' ? hex(v) : v} is not page aligned`),
  toJson: (c, n) => (c.g.physBasePfn + n) * PAGE_SIZE,
};

const bool: Field<boolean> = { codec: t.boolean, toInt: (_c, v) => (v ? 1 : 0), toJson: (_c, n) => n !== 0 };

/** One of a fixed list of names ⇄ its index in the list. */
const oneOf = <N extends string>(names: readonly N[]): Field<N> => ({
  codec: t.keyof(Object.fromEntries(names.map((n) => [n, null])) as Record<N, null>) as unknown as t.Type<N, N, unknown>,
  toInt: (_c, v) => names.indexOf(v),
  toJson: (_c, n) => names[n],
});

/** Cache-mode name ('WB', 'UC-', ...) ⇄ enum page_cache_mode. */
const cacheMode: Field<(typeof CACHE_MODES)[number]> = { ...oneOf(CACHE_MODES), toInt: (_c, v) => modeIndex(v) };

export const VM_FLAG_NAMES = ['VM_IO', 'VM_PFNMAP', 'VM_DONTEXPAND', 'VM_DONTDUMP', 'VM_DONTCOPY', 'VM_READ', 'VM_WRITE', 'VM_PAT'] as const;
export type VmFlag = (typeof VM_FLAG_NAMES)[number];
const VmFlagC = t.keyof(Object.fromEntries(VM_FLAG_NAMES.map((n) => [n, null])) as Record<VmFlag, null>);
/** VM_PAT in the integer form of a flags field: not a bit of the state's page flags but the VMA's owner (layout.ts). */
export const FLAG_VM_PAT = 0x100;
const REMAP_FLAGS: readonly VmFlag[] = ['VM_IO', 'VM_PFNMAP', 'VM_DONTEXPAND', 'VM_DONTDUMP'];

/** vm_flags names ⇄ the state's page flag bits (VM_REMAP_FLAGS as one bit, VF_PFNMAP) plus FLAG_VM_PAT. */
const flags: Field<VmFlag[]> = {
  codec: t.array(VmFlagC) as unknown as t.Type<VmFlag[], VmFlag[], unknown>,
  toInt: (_c, v) => {
    const remap = REMAP_FLAGS.filter((f) => v.includes(f));
    if (remap.length && remap.length !== REMAP_FLAGS.length) return 'VM_IO, VM_PFNMAP, VM_DONTEXPAND and VM_DONTDUMP change together (VM_REMAP_FLAGS)';
    return (
      (remap.length ? VF_PFNMAP : 0) |
      (v.includes('VM_DONTCOPY') ? VF_DONTCOPY : 0) |
      (v.includes('VM_READ') ? VF_READ : 0) |
      (v.includes('VM_WRITE') ? VF_WRITE : 0) |
      (v.includes('VM_PAT') ? FLAG_VM_PAT : 0)
    );
  },
  toJson: (_c, n) => {
    const out: VmFlag[] = [];
    if (n & FLAG_VM_PAT) out.push('VM_PAT');
    if (n & VF_PFNMAP) out.push(...REMAP_FLAGS);
    if (n & VF_DONTCOPY) out.push('VM_DONTCOPY');
    if (n & VF_READ) out.push('VM_READ');
    if (n & VF_WRITE) out.push('VM_WRITE');
    return out;
  },
};

/** Ghost owner of a tree entry (the model's bookkeeping, not the kernel's). */
export const OwnerC = t.union([t.type({ ctx: t.number }), t.type({ lineage: t.number }), t.type({ kernel: t.number })]);
export type Owner = t.TypeOf<typeof OwnerC>;

/** {ctx: n} / {lineage: n} ⇄ id n; {kernel: h} ⇄ OWNER_KERNEL + h - 1. */
const owner: Field<Owner> = {
  codec: OwnerC,
  toInt: (c, o) => {
    if ('kernel' in o) return Number.isInteger(o.kernel) && o.kernel >= 1 ? OWNER_KERNEL + o.kernel - 1 : `kernel handle ${o.kernel} must be 1 or more`;
    if ('ctx' in o && c.owners === 'lineage') return 'a ctx owner in a legacy-design log (legacy entries belong to VM_PAT lineages)';
    if ('lineage' in o && c.owners === 'ctx') return 'a VM_PAT lineage owner in a design that tracks with pfnmap_track_ctx';
    const id = 'ctx' in o ? o.ctx : o.lineage;
    return Number.isInteger(id) && id >= 1 && id < OWNER_KERNEL ? id : `owner id ${id} is outside 1..${OWNER_KERNEL - 1}`;
  },
  toJson: (c, n) => (n >= OWNER_KERNEL ? { kernel: n - OWNER_KERNEL + 1 } : c.owners === 'ctx' ? { ctx: n } : { lineage: n }),
};

/** A command (the opening event of a step carries it) ⇄ its index in the run's command table. */
const cmd: Field<Command> = { codec: Command, toInt: (c, v) => c.commands.add(v), toJson: (c, n) => c.commands.at(n) };

export const F = { int, pid, addr, pfn, paddr, bool, oneOf, cacheMode, flags, owner, cmd } as const;
