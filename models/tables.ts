/**
 * The compiled machines the executor steps (see compile.ts), per universe and design.
 */
import type { Design } from '../src/state/design.ts';
import type { Universe } from '../src/state/universe.ts';
import { compileMachine, type CompiledMachine, type EmittedFact } from './compile.ts';
import { KREF_ALPHABET, krefMachine } from './krefMachine.ts';
import { MEMTYPE_ALPHABET, memtypeMachine } from './memtypeMachine.ts';
import { PAT_INFO_ALPHABET, patInfoMachine } from './patInfoMachine.ts';
import { SYSCALL_ALPHABET, syscallMachine } from './syscallMachine.ts';
import { VMA_ALPHABET, vmaMachine } from './vmaMachine.ts';

export interface Tables {
  readonly kref: CompiledMachine;
  /** kref machine state index for a count (0: released). */
  readonly krefState: readonly number[];
  /** count held in each kref machine state. */
  readonly krefCount: readonly number[];
  readonly memtype: CompiledMachine;
  readonly vma: CompiledMachine;
  readonly vmaUntracked: number;
  readonly vmaTracked: number;
  readonly patInfo: CompiledMachine;
  readonly syscall: CompiledMachine;
}

const stateNamed = (m: CompiledMachine, value: string): number => {
  const i = m.snapshots.findIndex((s) => s.value === value);
  if (i < 0) throw new Error(`machine ${m.id} has no state ${value}`);
  return i;
};

const cache = new Map<string, Tables>();

/**
 * Compiled once per (REFCOUNT_MAX, design) and shared: compiling costs tens of milliseconds.
 * The edge hit counters are shared too; the checker resets them at the start of a search.
 */
export const compileTables = (u: Pick<Universe, 'refcountMax'>, design: Design): Tables => {
  const key = JSON.stringify([u.refcountMax, design]);
  let t = cache.get(key);
  if (!t) {
    t = compileUncached(u, design);
    cache.set(key, t);
  }
  return t;
};

const compileUncached = (u: Pick<Universe, 'refcountMax'>, design: Design): Tables => {
  const kref = compileMachine(krefMachine, { refcountMax: u.refcountMax }, KREF_ALPHABET);
  const krefState: number[] = [];
  const krefCount: number[] = [];
  kref.snapshots.forEach((s, i) => {
    const count = (s.context as { count: number }).count;
    krefState[count] = i;
    krefCount[i] = count;
  });
  const vma = compileMachine(vmaMachine, { design }, VMA_ALPHABET);
  return {
    kref,
    krefState,
    krefCount,
    memtype: compileMachine(memtypeMachine, undefined, MEMTYPE_ALPHABET),
    vma,
    vmaUntracked: stateNamed(vma, 'untracked'),
    vmaTracked: stateNamed(vma, 'tracked'),
    patInfo: compileMachine(patInfoMachine, { design }, PAT_INFO_ALPHABET),
    syscall: compileMachine(syscallMachine, { design }, SYSCALL_ALPHABET),
  };
};

export type { EmittedFact };
