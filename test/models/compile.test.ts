import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { compileMachine, emittedOf } from '../../models/compile.ts';
import { KREF_ALPHABET, krefMachine } from '../../models/krefMachine.ts';
import { MEMTYPE_ALPHABET, memtypeMachine } from '../../models/memtypeMachine.ts';
import { PAT_INFO_ALPHABET, patInfoMachine } from '../../models/patInfoMachine.ts';
import { SYSCALL_ALPHABET, syscallMachine } from '../../models/syscallMachine.ts';
import { VMA_ALPHABET, vmaMachine } from '../../models/vmaMachine.ts';
import { DESIGN_PRESETS } from '../../src/state/design.ts';
import type { AnyStateMachine, EventObject } from 'xstate';

/** Every compiled edge equals a direct pure transition() from the same snapshot. */
const agrees = (machine: AnyStateMachine, input: unknown, alphabet: readonly EventObject[]) => {
  const m = compileMachine(machine, input, alphabet);
  // rebuild the snapshots by walking the machine itself, BFS in the same order
  const [init] = initialTransition(machine, input);
  const snaps = [init];
  for (let i = 0; i < snaps.length; i++) {
    for (let j = 0; j < alphabet.length; j++) {
      const [next, actions] = transition(machine, snaps[i], alphabet[j]);
      const edge = m.edges[i * alphabet.length + j];
      expect(emittedOf(actions as never)).toEqual(edge.emitted);
      const key = JSON.stringify({ value: next.value, context: next.context });
      expect(m.stateKeys[edge.next]).toBe(key);
      if (edge.next === snaps.length) snaps.push(next);
    }
  }
  expect(snaps.length).toBe(m.stateKeys.length);
  return m;
};

describe('compiled machine tables', () => {
  it('kref table equals the XState machine for REFCOUNT_MAX 2..5', () => {
    for (const refcountMax of [2, 3, 4, 5]) {
      const m = agrees(krefMachine, { refcountMax }, KREF_ALPHABET);
      // live counts 1..max plus released
      expect(m.stateKeys.length).toBe(refcountMax + 1);
    }
  });
  it('memtype decision table equals the XState machine', () => {
    const m = agrees(memtypeMachine, undefined, MEMTYPE_ALPHABET);
    expect(m.stateKeys.length).toBe(1);
    expect(m.edges.length).toBe(MEMTYPE_ALPHABET.length);
  });
  it('VMA lifecycle table equals the XState machine for every design preset', () => {
    for (const p of DESIGN_PRESETS) {
      const m = agrees(vmaMachine, { design: p.design }, VMA_ALPHABET);
      expect(m.snapshots.map((s) => s.value).sort()).toEqual(['freed', 'tracked', 'untracked']);
    }
  });
  it('get_pat_info table equals the XState machine for every legacy preset', () => {
    for (const p of DESIGN_PRESETS) agrees(patInfoMachine, { design: p.design }, PAT_INFO_ALPHABET);
  });
  it('syscall table equals the XState machine for every design preset', () => {
    for (const p of DESIGN_PRESETS) {
      const m = agrees(syscallMachine, { design: p.design }, SYSCALL_ALPHABET);
      expect(m.snapshots.map((s) => s.value)).toEqual(['alive', 'exited']);
    }
  });
});
