/**
 * How an event kind is defined, once: its name (the kernel function that makes it happen),
 * its fields with their units (fields.ts), and the two things the state needs of it:
 *
 * - `apply` (evolve): the only code that writes the state for this kind. The checker runs it on
 *   the integer form the decider writes into its event buffer; replay runs it on the integer
 *   form of a decoded log line. It never throws and never allocates;
 * - `validate`: replay's check that the event can apply to the state (a pid that is alive, a
 *   range that is one whole VMA, a kref that matches the state), a `Rejection` naming the field
 *   otherwise. The checker does not run it: the machines only emit events that hold, and the
 *   equality tests run every event the checker emits through it (test/reducer/evolve.test.ts).
 *
 * From the field list follow the io-ts codec of the log form (kernel units), the integer
 * encoding (one slot of an event buffer per field, NaN for an absent optional field), and the
 * conversions between the two.
 */
import * as t from 'io-ts';
import type { Bytes } from '../state/access.ts';
import type { Design } from '../state/design.ts';
import type { Geometry } from '../state/geometry.ts';
import type { Layout } from '../state/layout.ts';
import type { Field, UnitContext } from './fields.ts';

/** A field of an event kind: its name in the log and its unit. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a field of any unit; JsonOf recovers it
export type FieldSpec = readonly [name: string, field: Field<any>];
export type FieldList = readonly FieldSpec[];

/** What an event's checks and effects need: the state's layout, the universe, the design. */
export interface EvolveContext {
  readonly L: Layout;
  readonly g: Geometry;
  readonly design: Design;
}

/** Why an event cannot apply to a state: a message with the values, and the field it is about. */
export interface Rejection {
  readonly message: string;
  readonly field?: string;
}

/** Thrown inside `validate` by `reject`; the runner turns it into the Rejection it carries. */
export class RejectSignal {
  constructor(readonly rejection: Rejection) {}
}
export const reject = (message: string, field?: string): never => {
  throw new RejectSignal({ message, field });
};

/** Slots of one event in an event buffer: its kind's code, then at most 7 fields. */
export const EVENT_STRIDE = 8;

/** An event's integer form: `b[o + i]` is field i (the fields first, then the optional ones). */
export type Apply = (c: EvolveContext, s: Bytes, b: Float64Array, o: number) => void;
/** The `apply` of an event that changes no state. */
const recordOnly: Apply = () => undefined;

type JsonOf<F> = F extends Field<infer J> ? J : never;
type IntsOf<FS extends FieldList> = { readonly [I in keyof FS]: number };
type OptionalIntsOf<OS extends FieldList> = OS extends readonly [FieldSpec, ...infer R extends FieldList] ? [number?, ...OptionalIntsOf<R>] : [];
type Props<FS extends FieldList> = { [E in FS[number] as E[0]]: JsonOf<E[1]> };

export interface EventKindSpec<T extends string, FS extends FieldList, OS extends FieldList, A extends t.Props> {
  readonly type: T;
  readonly fields: FS;
  /** optional fields (NaN in the integer form when absent) */
  readonly optional?: OS;
  /**
   * Slots the integer form carries after the fields and never shows in the log: what the
   * decider already knows and `apply` would otherwise work out again (NaN when unknown, as in
   * replay). `apply` must come to the same effect without them (test/checker/equality.test.ts
   * replays every event the checker emits without them).
   */
  readonly hints?: readonly string[];
  /** log-only annotations the integer form does not hold, restored from it (printk lines, WARN text) */
  readonly annotations?: A;
  readonly annotate?: (c: UnitContext, b: ArrayLike<number>, o: number) => Readonly<Record<string, unknown>>;
  readonly validate?: (c: EvolveContext, s: Bytes, b: Float64Array, o: number) => void;
  /** the event's effect on the state; none for an event that only records (a syscall's result, a call the kernel made) */
  readonly apply?: Apply;
}

export interface EventKind<T extends string = string, Args extends readonly (number | undefined)[] = readonly (number | undefined)[]> {
  readonly type: T;
  /** the integer form's fields, for typing the decider's emitters (never set) */
  readonly args?: Args;
  /** the field names in integer order: the fields, then the optional ones */
  readonly names: readonly string[];
  /** the slots after the fields that only the decider fills (EventKindSpec.hints) */
  readonly hints: number;
  readonly fields: readonly FieldSpec[1][];
  readonly required: number;
  readonly codec: t.Mixed;
  readonly validate: (c: EvolveContext, s: Bytes, b: Float64Array, o: number) => void;
  /** the event's effect on the state (a no-op when `changesState` is false) */
  readonly apply: Apply;
  /** false for an event that only records: the decider's emitter need not call `apply` */
  readonly changesState: boolean;
  /** the log form of the integer form at b[o..] */
  readonly toJson: (c: UnitContext, b: ArrayLike<number>, o: number) => Record<string, unknown>;
  /** the integer form of a decoded event into b[o..], or the field that cannot be converted and why */
  readonly toInts: (c: UnitContext, e: Record<string, unknown>, b: Float64Array, o: number) => Rejection | null;
}

export type EventOfSpec<T extends string, FS extends FieldList, OS extends FieldList, A extends t.Props> = { type: T } & Props<FS> &
  Partial<Props<OS>> &
  Partial<{ [K in keyof A]: t.TypeOf<A[K]> }>;

export const defineEvent = <const T extends string, const FS extends FieldList, const OS extends FieldList = readonly [], A extends t.Props = {}>(
  spec: EventKindSpec<T, FS, OS, A>,
): EventKind<T, readonly [...IntsOf<FS>, ...OptionalIntsOf<OS>]> & { readonly codecT: t.Type<EventOfSpec<T, FS, OS, A>, EventOfSpec<T, FS, OS, A>, unknown> } => {
  const optional = (spec.optional ?? []) as FieldList;
  const all = [...spec.fields, ...optional];
  const props: t.Props = { type: t.literal(spec.type) };
  for (const [name, f] of spec.fields) props[name] = f.codec as t.Mixed;
  const opt: t.Props = { ...spec.annotations };
  for (const [name, f] of optional) opt[name] = f.codec as t.Mixed;
  const codec = Object.keys(opt).length ? t.intersection([t.type(props), t.partial(opt)], spec.type) : t.type(props, spec.type);
  const required = spec.fields.length;
  return {
    type: spec.type,
    names: all.map(([n]) => n),
    hints: spec.hints?.length ?? 0,
    fields: all.map(([, f]) => f),
    required,
    codec,
    codecT: codec as unknown as t.Type<EventOfSpec<T, FS, OS, A>, EventOfSpec<T, FS, OS, A>, unknown>,
    validate: spec.validate ?? (() => undefined),
    apply: spec.apply ?? recordOnly,
    changesState: spec.apply !== undefined,
    toJson: (c, b, o) => {
      const out: Record<string, unknown> = { type: spec.type };
      for (let i = 0; i < all.length; i++) {
        const n = b[o + i];
        if (i >= required && Number.isNaN(n)) continue;
        out[all[i][0]] = all[i][1].toJson(c, n);
      }
      return spec.annotate ? { ...out, ...spec.annotate(c, b, o) } : out;
    },
    toInts: (c, e, b, o) => {
      for (let i = all.length; i < all.length + (spec.hints?.length ?? 0); i++) b[o + i] = NaN;
      for (let i = 0; i < all.length; i++) {
        const [name, f] = all[i];
        const v = e[name];
        if (v === undefined) {
          b[o + i] = NaN;
          continue;
        }
        const n = f.toInt(c, v as never);
        if (typeof n === 'string') return { message: n, field: name };
        b[o + i] = n;
      }
      return null;
    },
  };
};
