/**
 * Compile an XState machine into a transition table, once, at start-up.
 *
 * The machines in models/ are the source of truth for the kernel's decisions, but one pure
 * XState `transition()` costs about 11 µs, far too much for the checker's inner loop. So every
 * machine is explored here over a finite event alphabet, breadth-first from its initial
 * snapshot, and each (state, event) edge is recorded with the facts the machine emitted on
 * it. The kernel executor (models/kernel.ts) then steps machines by table lookup. Tests check
 * the tables against direct `transition()` calls (test/models/compile.test.ts).
 */
import { initialTransition, transition, type AnyStateMachine, type EventObject } from 'xstate';

/** A fact a machine emitted with XState's `emit()`, with the payload it computed. */
export interface EmittedFact {
  readonly type: string;
  readonly [key: string]: unknown;
}

export interface CompiledEdge {
  readonly next: number;
  readonly emitted: readonly EmittedFact[];
}

export interface CompiledMachine {
  readonly id: string;
  /** Snapshot keys: JSON of {value, context}, index = state number. */
  readonly stateKeys: readonly string[];
  readonly snapshots: readonly { readonly value: unknown; readonly context: unknown }[];
  readonly alphabet: readonly EventObject[];
  /** edges[state * alphabet.length + event] */
  readonly edges: readonly CompiledEdge[];
  /** How often the executor took each edge (coverage; reset by the caller). */
  readonly hits: Uint32Array;
}

const keyOf = (snap: { value: unknown; context: unknown }): string =>
  JSON.stringify({ value: snap.value, context: snap.context });

/** The facts emitted by the actions a pure transition returned. */
export const emittedOf = (actions: readonly { type: string; params?: unknown }[]): EmittedFact[] =>
  actions
    .filter((a) => a.type === 'xstate.emit')
    .map((a) => (a.params as { event: EmittedFact }).event);

export const compileMachine = (
  machine: AnyStateMachine,
  input: unknown,
  alphabet: readonly EventObject[],
  maxStates = 10_000,
): CompiledMachine => {
  const [init] = initialTransition(machine, input);
  const snaps = [init];
  const keys = [keyOf(init)];
  const index = new Map<string, number>([[keys[0], 0]]);
  const edges: CompiledEdge[] = [];
  for (let i = 0; i < snaps.length; i++) {
    for (const ev of alphabet) {
      const [next, actions] = transition(machine, snaps[i], ev);
      const k = keyOf(next);
      let j = index.get(k);
      if (j === undefined) {
        if (snaps.length >= maxStates) throw new Error(`machine ${machine.id}: more than ${maxStates} states`);
        j = snaps.length;
        index.set(k, j);
        snaps.push(next);
        keys.push(k);
      }
      edges.push({ next: j, emitted: emittedOf(actions as { type: string; params?: unknown }[]) });
    }
  }
  return {
    id: machine.id,
    stateKeys: keys,
    snapshots: snaps.map((s) => ({ value: s.value, context: s.context })),
    alphabet,
    edges,
    hits: new Uint32Array(edges.length),
  };
};

/** Step a compiled machine (and count the edge for coverage). */
export const edgeOf = (m: CompiledMachine, state: number, event: number): CompiledEdge => {
  const i = state * m.alphabet.length + event;
  m.hits[i]++;
  return m.edges[i];
};
