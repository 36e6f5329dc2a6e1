/**
 * The compiled machines the decider steps (see compile.ts), per universe, design and seeded bug.
 * A design is a set of machine options (src/state/design.ts); a seeded bug (mutants.ts) is a
 * change to some machines (a guard or an action replaced), compiled like the real ones.
 */
import type { AnyStateMachine } from 'xstate';
import type { Design } from '../src/state/design.ts';
import type { Universe } from '../src/state/universe.ts';
import { compileMachine, factCode, type CompiledMachine, type EmittedFact } from './compile.ts';
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

const cache = new Map<string, Tables>();
const keyOf = (u: Pick<Universe, 'refcountMax'>, design: Design, change?: MachineChange): string => JSON.stringify([u.refcountMax, design, change?.name ?? null]);

/**
 * Tables another thread compiled for (REFCOUNT_MAX, design, change), structured-cloned, kept as
 * if compiled here (unless this thread has its own already): a worker of the parallel search
 * takes the main thread's instead of compiling for a third of a second. The string codes in
 * them must be this thread's (compile.ts `adoptStrings`).
 */
export const adoptTables = (u: Pick<Universe, 'refcountMax'>, design: Design, change: MachineChange | undefined, t: Tables): Tables => {
  const key = keyOf(u, design, change);
  const own = cache.get(key);
  if (own) return own;
  cache.set(key, t);
  return t;
};

/**
 * Compiled once per (REFCOUNT_MAX, design, change) and shared: compiling costs a fifth of a
 * second and more. The edge hit counters are shared too; a search resets them at its start.
 */
export const compileTables = (u: Pick<Universe, 'refcountMax'>, design: Design, change?: MachineChange): Tables => {
  const key = keyOf(u, design, change);
  let t = cache.get(key);
  if (!t) {
    const m = change ? change.change(MACHINES) : MACHINES;
    const options = design.options;
    t = {
      syscall: compileMachine(m.syscall, { options }, SYSCALL_ALPHABET),
      vma: compileMachine(m.vma, { options }, VMA_ALPHABET, { stateCode: vmaStateCode }),
      kref: compileMachine(m.kref, { refcountMax: u.refcountMax, options }, KREF_ALPHABET, { stateCode: krefStateCode }),
      memtype: compileMachine(m.memtype, { options }, MEMTYPE_ALPHABET),
      patInfo: compileMachine(m.patInfo, { options }, PAT_INFO_ALPHABET),
    };
    cache.set(key, t);
  }
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
