/**
 * The compiled machines the decider steps (see compile.ts), per universe, design and seeded bug.
 * A design is a set of machine options (src/state/design.ts); a seeded bug (mutants.ts) is a
 * change to some machines (a guard or an action replaced), compiled like the real ones.
 */
import type { AnyStateMachine, EventObject } from 'xstate';
import type { Design } from '../src/state/design.ts';
import type { Universe } from '../src/state/universe.ts';
import { adoptStrings, compileMachine, factCode, stringTable, type CompiledMachine, type CompileOptions, type EmittedFact } from './compile.ts';
import { KREF_ALPHABET, krefMachine, krefStateCode } from './krefMachine.ts';
import { MEMTYPE_ALPHABET, memtypeMachine } from './memtypeMachine.ts';
import { PAT_INFO_ALPHABET, patInfoMachine } from './patInfoMachine.ts';
import { SYSCALL_ALPHABET, syscallMachine } from './syscallMachine.ts';
import { V_DUP_FORK, V_REMAP_WHOLE, VMA_ALPHABET, VMA_STATE_CODES, vmaMachine, vmaStateCode } from './vmaMachine.ts';

/** The machines of a model, by role. */
export interface MachineSet {
  readonly syscall: AnyStateMachine;
  readonly vma: AnyStateMachine;
  readonly kref: AnyStateMachine;
  readonly memtype: AnyStateMachine;
  readonly patInfo: AnyStateMachine;
}

export const MACHINES: MachineSet = { syscall: syscallMachine, vma: vmaMachine, kref: krefMachine, memtype: memtypeMachine, patInfo: patInfoMachine };

/** A change to the machines (a seeded bug), with a name for caching. */
export interface MachineChange {
  readonly name: string;
  readonly change: (m: MachineSet) => MachineSet;
}

export interface Tables {
  readonly syscall: CompiledMachine;
  readonly vma: CompiledMachine;
  readonly kref: CompiledMachine;
  readonly memtype: CompiledMachine;
  readonly patInfo: CompiledMachine;
}

/** The roles in the coverage report's order. */
export const ROLES = ['syscall', 'vma', 'kref', 'memtype', 'patInfo'] as const;

/** What a role's table is compiled from: the machine, its input, its alphabet and the compiler's options. */
export interface Role {
  readonly machine: AnyStateMachine;
  readonly input: unknown;
  readonly alphabet: readonly EventObject[];
  readonly options: CompileOptions;
}

/** Each role's machine for (REFCOUNT_MAX, design, seeded bug), with what it is compiled with. */
export const rolesOf = (u: Pick<Universe, 'refcountMax'>, design: Design, change?: MachineChange): Record<(typeof ROLES)[number], Role> => {
  const m = change ? change.change(MACHINES) : MACHINES;
  const options = design.options;
  return {
    syscall: { machine: m.syscall, input: { options }, alphabet: SYSCALL_ALPHABET, options: {} },
    vma: { machine: m.vma, input: { options }, alphabet: VMA_ALPHABET, options: { stateCode: vmaStateCode } },
    kref: { machine: m.kref, input: { refcountMax: u.refcountMax, options }, alphabet: KREF_ALPHABET, options: { stateCode: krefStateCode } },
    memtype: { machine: m.memtype, input: { options }, alphabet: MEMTYPE_ALPHABET, options: {} },
    patInfo: { machine: m.patInfo, input: { options }, alphabet: PAT_INFO_ALPHABET, options: {} },
  };
};

/**
 * Tables compiled elsewhere (another thread, another run), with the string table their
 * programs' codes index (compile.ts): they stand for compiling only where this thread's string
 * codes agree with it (`adoptStrings`).
 */
export interface CompiledTables {
  readonly tables: Tables;
  readonly strings: readonly string[];
}

/**
 * Where compiled tables are kept between runs (the CLI's, in the bundle cache): `load` gives
 * what a run of the same code saved under the key, or null.
 */
export interface TablesStore {
  load(key: string): CompiledTables | null;
  save(key: string, compiled: CompiledTables): void;
}

let store: TablesStore | null = null;
/** Keep compiled tables in `s` from now on (null: in this thread's memory only). */
export const keepTablesIn = (s: TablesStore | null): void => {
  store = s;
};

const cache = new Map<string, Tables>();
const keyOf = (u: Pick<Universe, 'refcountMax'>, design: Design, change?: MachineChange): string => JSON.stringify([u.refcountMax, design, change?.name ?? null]);
const adopted = (c: CompiledTables | null | undefined): Tables | null => (c && adoptStrings(c.strings) ? c.tables : null);

/**
 * The machines compiled for (REFCOUNT_MAX, design, change), once per thread and shared:
 * compiling runs XState on every edge of every machine, so tables another
 * thread compiled (`given`: a worker of the parallel search is sent the main thread's) or the
 * store kept are taken instead where their string codes agree with this thread's; tables
 * compiled here go to the store. The edge hit counters are shared too; a search resets them
 * at its start.
 */
export const compileTables = (u: Pick<Universe, 'refcountMax'>, design: Design, change?: MachineChange, given?: CompiledTables): Tables => {
  const key = keyOf(u, design, change);
  let t = cache.get(key) ?? adopted(given) ?? adopted(store?.load(key));
  if (!t) {
    const r = rolesOf(u, design, change);
    const compile = (x: Role): CompiledMachine => compileMachine(x.machine, x.input, x.alphabet, x.options);
    t = { syscall: compile(r.syscall), vma: compile(r.vma), kref: compile(r.kref), memtype: compile(r.memtype), patInfo: compile(r.patInfo) };
    store?.save(key, { tables: t, strings: stringTable() });
  }
  cache.set(key, t);
  return t;
};

/** Does machine m emit a fact of this type on edge (state, event)? */
export const emitsOn = (m: CompiledMachine, state: number, event: number, type: string): boolean => {
  const c = factCode(m, type);
  return c >= 0 && m.edges[state * m.alphabet.length + event].emitted.some((f) => f.type === type);
};

/** What a design's machines can do, read off their tables (which commands and faults exist for it). */
export interface Capabilities {
  /** a whole-VMA remap allocates a pfnmap_track_ctx (the ctx_alloc fault can be injected) */
  readonly allocatesCtx: boolean;
  /** fork reserves again for a tracked VMA with track_pfn_copy (that call can be made to fail) */
  readonly tracksPfnCopy: boolean;
}

export const capabilitiesOf = (t: Tables): Capabilities => ({
  allocatesCtx: emitsOn(t.vma, VMA_STATE_CODES.untracked, V_REMAP_WHOLE, 'pfnmap_track_ctx_alloc'),
  tracksPfnCopy: emitsOn(t.vma, VMA_STATE_CODES.tracked, V_DUP_FORK, 'track_pfn_copy_src') || emitsOn(t.vma, VMA_STATE_CODES.tracked, V_DUP_FORK, 'track_pfn_copy_dst'),
});

export type { EmittedFact };
