/**
 * The compiler's own promises (models/compile.ts, models/alphabet.ts): an alphabet's index of
 * an event is its position in the list the compiler explores; an edge's integer program reads
 * back as the facts the machine emitted; states are numbered by their declared codes; a machine
 * that breaks the encoding's rules is refused. (What the machines decide is machines.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { assign, emit, setup, transition } from 'xstate';
import { BOOL, alphabet, family } from '../../models/alphabet.ts';
import { compileMachine, emittedOf, stringCode, type CompiledMachine, type EmittedFact } from '../../models/compile.ts';
import { KREF_ALPHABET } from '../../models/krefMachine.ts';
import { MEMTYPE, MEMTYPE_ALPHABET } from '../../models/memtypeMachine.ts';
import { PAT_INFO_ALPHABET } from '../../models/patInfoMachine.ts';
import { SYSCALL, SYSCALL_ALPHABET } from '../../models/syscallMachine.ts';
import { VMA, VMA_ALPHABET, VMA_STATE_CODES } from '../../models/vmaMachine.ts';
import { compileTables, ROLES, rolesOf } from '../../models/tables.ts';
import { DESIGN_PRESETS, TRACKED } from '../../src/state/design.ts';

/** The facts of edge e, read back from its program. */
const decode = (m: CompiledMachine, e: number): EmittedFact[] => {
  const out: EmittedFact[] = [];
  for (let i = m.progStart[e]; i < m.progStart[e + 1]; i += m.widths[m.prog[i]]) {
    const code = m.prog[i];
    const f: Record<string, unknown> = { type: m.factTypes[code] };
    m.payloadKeys[code].forEach((k, j) => (f[k] = m.prog[i + 1 + j]));
    out.push(f as EmittedFact);
  }
  return out;
};
/** The emitted fact in the program's units: booleans as 0/1, strings as their codes. */
const asInts = (f: EmittedFact): EmittedFact =>
  Object.fromEntries(Object.entries(f).map(([k, v]) => [k, k === 'type' ? v : typeof v === 'boolean' ? +v : typeof v === 'string' ? stringCode(v) : v])) as EmittedFact;

describe('alphabets', () => {
  it('the index of every event of every alphabet is its position', () => {
    for (const a of [SYSCALL, VMA, MEMTYPE])
      a.families.forEach((f) => {
        for (let i = f.base; i < f.base + f.size; i++) expect(f.indexOf(a.events[i] as never)).toBe(i);
      });
    expect(MEMTYPE_ALPHABET.length).toBe(6 * 2 * 3 * 6 * 2 * 2 + 4 + 2);
  });
  it('positions count in declared order, the last field fastest', () => {
    const a = alphabet(family('A', {}), family('B', { x: BOOL, y: [0, 1, 2] }));
    expect(a.events.map((e) => JSON.stringify(e))).toEqual([
      '{"type":"A"}',
      '{"type":"B","x":false,"y":0}',
      '{"type":"B","x":false,"y":1}',
      '{"type":"B","x":false,"y":2}',
      '{"type":"B","x":true,"y":0}',
      '{"type":"B","x":true,"y":1}',
      '{"type":"B","x":true,"y":2}',
    ]);
    expect(a.families[1].at(1, 2)).toBe(6);
  });
});

describe('compiled tables', () => {
  it("every edge's program reads back as the facts it emitted, for every machine of every design", () => {
    for (const p of DESIGN_PRESETS) {
      const t = compileTables({ refcountMax: 3 }, p.design);
      for (const role of ROLES) {
        const m = t[role];
        m.edges.forEach((edge, e) => {
          expect(decode(m, e)).toEqual(edge.emitted.map(asInts));
          expect(m.next[e]).toBe(edge.next);
        });
      }
    }
  });
  it("every edge is what XState's own transition() gives from its state, for every machine of every design", () => {
    // the compiler steps each machine with one actor scope (compile.ts transitionOf): held here
    // to the public transition(), which builds its own for every call
    for (const p of DESIGN_PRESETS) {
      const t = compileTables({ refcountMax: 3 }, p.design);
      const roles = rolesOf({ refcountMax: 3 }, p.design);
      for (const role of ROLES) {
        const m = t[role];
        const { machine, alphabet } = roles[role];
        m.snapshots.forEach((s, i) => {
          const from = machine.resolveState(s as never);
          alphabet.forEach((ev, a) => {
            const e = i * alphabet.length + a;
            const [next, actions] = transition(machine, from, ev);
            expect({ value: next.value, context: next.context }).toEqual(m.snapshots[m.next[e]]);
            expect(emittedOf(actions as { type: string; params?: unknown }[])).toEqual(m.edges[e].emitted);
          });
        });
      }
    }
  });
  it('numbers the kref states by their count and the VMA states by their codes', () => {
    const t = compileTables({ refcountMax: 4 }, TRACKED);
    t.kref.snapshots.forEach((s, i) => expect((s.context as { count: number }).count).toBe(i));
    t.vma.snapshots.forEach((s, i) => expect(VMA_STATE_CODES[s.value as string]).toBe(i));
    expect(t.kref.alphabet).toBe(KREF_ALPHABET);
    expect(t.vma.alphabet).toBe(VMA_ALPHABET);
    expect(t.syscall.alphabet).toBe(SYSCALL_ALPHABET);
    expect(t.patInfo.alphabet).toBe(PAT_INFO_ALPHABET);
  });
  it('refuses a fact emitted with two sets of fields, a payload that is not a whole number, and codes that are not 0..n-1', () => {
    const ev = alphabet(family('GO', { x: BOOL }));
    type F = { type: 'f'; a?: number; b?: number };
    const mixed = setup({ types: { emitted: {} as F } }).createMachine({
      on: { GO: [{ guard: ({ event }) => (event as { x?: boolean }).x === true, actions: emit({ type: 'f', a: 1 }) }, { actions: emit({ type: 'f', b: 1 }) }] },
    });
    expect(() => compileMachine(mixed, undefined, ev.events)).toThrow(/fact f emitted with fields/);
    const frac = setup({ types: { emitted: {} as F } }).createMachine({ on: { GO: { actions: emit({ type: 'f', a: 0.5 }) } } });
    expect(() => compileMachine(frac, undefined, ev.events)).toThrow(/not a whole number/);
    const counter = setup({ types: { context: {} as { n: number } } }).createMachine({
      context: { n: 0 },
      on: { GO: { actions: assign({ n: ({ context }) => Math.min(context.n + 1, 2) }) } },
    });
    expect(() => compileMachine(counter, undefined, ev.events, { stateCode: (s) => (s.context as { n: number }).n * 2 })).toThrow(/state codes/);
    expect(compileMachine(counter, undefined, ev.events, { stateCode: (s) => 2 - (s.context as { n: number }).n }).snapshots.map((s) => (s.context as { n: number }).n)).toEqual([2, 1, 0]);
  });
});
