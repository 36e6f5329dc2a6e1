/**
 * Compile an XState machine into transition tables, once, at start-up.
 *
 * The machines in models/ are the only place the kernel's decisions are made, but one pure
 * XState `transition()` costs about 11 µs, far too much for the checker's inner loop. So every
 * machine is explored here over its finite event alphabet (alphabet.ts), breadth-first from its
 * initial snapshot, and each (state, event) edge is recorded with the facts the machine
 * `emit()`ted on it, flattened into integers: the decider (kernel.ts) steps a machine with one
 * array read and reads the facts of the edge as a small program, [fact code, payload...] per
 * fact. Payload values are numbers as emitted, booleans as 0/1 and strings as their code in one
 * table (`stringCode`); a fact's payload fields are in the sorted order of their names.
 *
 * A machine whose state the kernel holds (a ctx's kref count) declares a `stateCode` for each
 * snapshot: its states are then numbered by that code, so the byte the state holds IS the
 * machine's state and the decider reads it as such.
 */
import { createActor, initialTransition, type ActorScope, type AnyStateMachine, type EventObject } from 'xstate';

/** A fact a machine emitted with XState's `emit()`, with the payload it computed. */
export interface EmittedFact {
  readonly type: string;
  readonly [key: string]: unknown;
}

export interface CompiledEdge {
  readonly next: number;
  readonly emitted: readonly EmittedFact[];
}

const strings: string[] = [];
const stringIndex = new Map<string, number>();
/** The string payload values in code order (a tracing build of the decider, src/checker/fastPath.ts, numbers its own table the same way). */
export const stringTable = (): readonly string[] => strings;

/**
 * Number these strings as another thread's table does (code = index), as far as this table
 * agrees with it: true when every one of them now has its index (a worker thread then runs the
 * tables that thread compiled, whose programs hold its codes). false when this table numbered
 * some string differently (it compiled other machines first): the caller compiles its own.
 */
export const adoptStrings = (list: readonly string[]): boolean => {
  for (let i = 0; i < list.length; i++) {
    const code = stringIndex.get(list[i]);
    if (code === undefined ? strings.length !== i : code !== i) return false;
    if (code === undefined) stringCode(list[i]);
  }
  return true;
};

/** The code of a string payload value (one table for every machine). */
export const stringCode = (s: string): number => {
  let i = stringIndex.get(s);
  if (i === undefined) {
    i = strings.length;
    strings.push(s);
    stringIndex.set(s, i);
  }
  return i;
};

export interface CompiledMachine {
  readonly id: string;
  /** Snapshot keys: JSON of {value, context}, index = state number. */
  readonly stateKeys: readonly string[];
  readonly snapshots: readonly { readonly value: unknown; readonly context: unknown }[];
  readonly alphabet: readonly EventObject[];
  /** edges[state * alphabet.length + event] */
  readonly edges: readonly CompiledEdge[];
  /** next[state * alphabet.length + event]: the state after the edge */
  readonly next: Int32Array;
  /** the facts of edge e: prog[progStart[e] .. progStart[e + 1]), each [code, payload...] */
  readonly prog: Int32Array;
  readonly progStart: Int32Array;
  /** fact type of each fact code, and its payload field names in payload order */
  readonly factTypes: readonly string[];
  readonly payloadKeys: readonly (readonly string[])[];
  /** per edge: a bit for each fact code it emits */
  readonly factMask: Int32Array;
  /** program slots one fact of each code takes (1 + its payload fields) */
  readonly widths: Int32Array;
  /** How often the decider took each edge (coverage; reset by the caller). */
  readonly hits: Uint32Array;
}

const keyOf = (snap: { value: unknown; context: unknown }): string => JSON.stringify({ value: snap.value, context: snap.context });

/** The facts emitted by the actions a pure transition returned. */
export const emittedOf = (actions: readonly { type: string; params?: unknown }[]): EmittedFact[] =>
  actions.filter((a) => a.type === 'xstate.emit').map((a) => (a.params as { event: EmittedFact }).event);

export interface CompileOptions {
  readonly maxStates?: number;
  /** the number the state holds for a snapshot: states are numbered by it (0..n-1, each once) */
  readonly stateCode?: (snapshot: { readonly value: unknown; readonly context: unknown }) => number;
}

/**
 * XState's pure `transition(machine, snapshot, event)`, with one actor scope for all of a
 * machine's calls. `transition()` builds a throwaway actor for each call, and that actor
 * computes an initial snapshot without the machine's input, so every call of a machine whose
 * context reads its input throws and catches a TypeError inside XState: most of a compile's
 * time. The scope here is the one `transition()` builds (an actor of the machine, inert
 * callbacks, the actions collected rather than run), made once, with the input.
 * test/models/compile.test.ts holds every compiled edge to `transition()` itself.
 */
const transitionOf = (machine: AnyStateMachine, input: unknown) => {
  const actions: unknown[] = [];
  const self = createActor(machine, { input });
  const noop = (): void => undefined;
  const scope = {
    self,
    system: self.system,
    id: '',
    sessionId: '',
    defer: noop,
    logger: noop,
    stopChild: noop,
    emit: noop,
    actionExecutor: (a: unknown) => actions.push(a),
  } as unknown as ActorScope<ReturnType<AnyStateMachine['transition']>, EventObject>;
  return (snapshot: ReturnType<AnyStateMachine['transition']>, event: EventObject): [ReturnType<AnyStateMachine['transition']>, unknown[]] => {
    actions.length = 0;
    const next = machine.transition(snapshot, event, scope);
    return [next, actions.slice()];
  };
};

export const compileMachine = (machine: AnyStateMachine, input: unknown, alphabet: readonly EventObject[], o: CompileOptions = {}): CompiledMachine => {
  const maxStates = o.maxStates ?? 10_000;
  const [init] = initialTransition(machine, input);
  const transition = transitionOf(machine, input);
  const snaps = [init];
  const index = new Map<string, number>([[keyOf(init), 0]]);
  const raw: { next: number; emitted: EmittedFact[] }[] = [];
  for (let i = 0; i < snaps.length; i++) {
    for (const ev of alphabet) {
      const [next, actions] = transition(snaps[i], ev);
      const k = keyOf(next);
      let j = index.get(k);
      if (j === undefined) {
        if (snaps.length >= maxStates) throw new Error(`machine ${machine.id}: more than ${maxStates} states`);
        j = snaps.length;
        index.set(k, j);
        snaps.push(next);
      }
      raw.push({ next: j, emitted: emittedOf(actions as { type: string; params?: unknown }[]) });
    }
  }
  // number the states by their declared codes, if any
  const A = alphabet.length;
  const order = snaps.map((_, i) => i);
  if (o.stateCode) {
    const codes = snaps.map((sn) => o.stateCode!({ value: sn.value, context: sn.context }));
    const seen = new Set(codes);
    if (seen.size !== codes.length || codes.some((c) => c < 0 || c >= codes.length)) throw new Error(`machine ${machine.id}: state codes ${codes.join(',')} are not 0..${codes.length - 1}`);
    codes.forEach((c, i) => (order[c] = i));
  }
  const newIndex = new Int32Array(snaps.length);
  order.forEach((old, nu) => (newIndex[old] = nu));
  const edges: CompiledEdge[] = [];
  for (let nu = 0; nu < order.length; nu++)
    for (let e = 0; e < A; e++) {
      const r = raw[order[nu] * A + e];
      edges.push({ next: newIndex[r.next], emitted: r.emitted });
    }
  const factTypes: string[] = [];
  const payloadKeys: string[][] = [];
  const prog: number[] = [];
  const progStart = new Int32Array(edges.length + 1);
  const factMask = new Int32Array(edges.length);
  edges.forEach((edge, i) => {
    progStart[i] = prog.length;
    for (const f of edge.emitted) {
      let code = factTypes.indexOf(f.type);
      const keys = Object.keys(f)
        .filter((k) => k !== 'type')
        .sort();
      if (code < 0) {
        code = factTypes.length;
        factTypes.push(f.type);
        payloadKeys.push(keys);
      } else if (payloadKeys[code].join() !== keys.join()) throw new Error(`machine ${machine.id}: fact ${f.type} emitted with fields ${keys.join(',')} and ${payloadKeys[code].join(',')}`);
      if (code > 30) throw new Error(`machine ${machine.id}: more than 31 fact types`);
      factMask[i] |= 1 << code;
      prog.push(code);
      for (const k of keys) prog.push(payloadValue(machine.id, f.type, k, f[k]));
    }
  });
  progStart[edges.length] = prog.length;
  return {
    id: machine.id,
    stateKeys: order.map((i) => keyOf(snaps[i])),
    snapshots: order.map((i) => ({ value: snaps[i].value, context: snaps[i].context })),
    alphabet,
    edges,
    next: Int32Array.from(edges, (e) => e.next),
    prog: Int32Array.from(prog),
    progStart,
    factMask,
    factTypes,
    payloadKeys,
    widths: Int32Array.from(payloadKeys, (k) => 1 + k.length),
    hits: new Uint32Array(edges.length),
  };
};

const payloadValue = (id: string, type: string, key: string, v: unknown): number => {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') return stringCode(v);
  if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 31) return v;
  throw new Error(`machine ${id}: fact ${type}.${key} = ${JSON.stringify(v)} is not a whole number, a boolean or a string`);
};

/** The code of fact type `type` in machine m, -1 if m never emits it. */
export const factCode = (m: CompiledMachine, type: string): number => m.factTypes.indexOf(type);

/** The offset, after its code, of payload field `key` of fact `type` (-1 if the machine never emits it so). */
export const payloadAt = (m: CompiledMachine, type: string, key: string): number => {
  const c = factCode(m, type);
  return c < 0 ? -1 : m.payloadKeys[c].indexOf(key) + 1;
};

/** Does edge e of machine m emit a fact of code c (-1: a fact m never emits)? */
export const emits = (m: CompiledMachine, e: number, c: number): boolean => c >= 0 && ((m.factMask[e] >>> c) & 1) === 1;

/** Take the edge (state, event) of m: counts it for coverage, returns its index. */
export const takeEdge = (m: CompiledMachine, state: number, event: number): number => {
  const i = state * m.alphabet.length + event;
  m.hits[i]++;
  return i;
};

/** The snapshot state number of the state named `value`. */
export const stateNamed = (m: CompiledMachine, value: string): number => {
  const i = m.snapshots.findIndex((s) => s.value === value);
  if (i < 0) throw new Error(`machine ${m.id} has no state ${value}`);
  return i;
};
