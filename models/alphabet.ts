/**
 * A machine's event alphabet, declared as event types each with the finite domains of its
 * fields: the list of every event (what the compiler explores) and the index of an event in
 * that list (what the decider looks up) both follow from one declaration, so they cannot
 * disagree. An index is mixed-radix over the fields in declared order, offset by the event
 * types before it.
 */
import type { EventObject } from 'xstate';

type Domain = readonly (boolean | number | string)[];
export type FieldDomains = Readonly<Record<string, Domain>>;

export interface EventFamily<T extends string, D extends FieldDomains> {
  readonly type: T;
  readonly domains: D;
  /** the field names, in index order */
  readonly fields: readonly (keyof D & string)[];
  readonly size: number;
  /** first index of this type in the alphabet */
  readonly base: number;
  /** the alphabet index of the event with these field values (positions in each domain) */
  readonly at: (...positions: number[]) => number;
  /** the alphabet index of an event object of this type */
  readonly indexOf: (e: { readonly [K in keyof D]: D[K][number] }) => number;
}

export const family = <const T extends string, const D extends FieldDomains>(type: T, domains: D): Omit<EventFamily<T, D>, 'base' | 'at' | 'indexOf'> => {
  const fields = Object.keys(domains) as (keyof D & string)[];
  return { type, domains, fields, size: fields.reduce((n, f) => n * domains[f].length, 1) };
};

/** Booleans as a domain (false first: index 0). */
export const BOOL = [false, true] as const;
/** 0..n-1 as a domain. */
export const upTo = (n: number): readonly number[] => Array.from({ length: n }, (_, i) => i);

export interface Alphabet<Fs extends readonly Omit<EventFamily<string, FieldDomains>, 'base' | 'at' | 'indexOf'>[]> {
  readonly events: readonly EventObject[];
  readonly families: { readonly [I in keyof Fs]: Fs[I] & Pick<EventFamily<string, FieldDomains>, 'base' | 'at' | 'indexOf'> };
}

export const alphabet = <const Fs extends readonly Omit<EventFamily<string, FieldDomains>, 'base' | 'at' | 'indexOf'>[]>(...fams: Fs): Alphabet<Fs> => {
  const events: EventObject[] = [];
  let base = 0;
  const families = fams.map((f) => {
    const strides = f.fields.map((_, i) => f.fields.slice(i + 1).reduce((n, g) => n * f.domains[g].length, 1));
    const b = base;
    // generated with one parameter per field: a rest parameter would allocate an array per call
    const params = f.fields.map((_, k) => `p${k}`);
    const at = new Function(...params, `return ${[String(b), ...params.map((p, k) => `${p} * ${strides[k]}`)].join(' + ')};`) as (...positions: number[]) => number;
    const indexOf = (e: Record<string, unknown>): number => at(...f.fields.map((name) => f.domains[name].indexOf(e[name] as never)));
    for (let i = 0; i < f.size; i++) {
      const e: Record<string, unknown> = { type: f.type };
      f.fields.forEach((name, k) => (e[name] = f.domains[name][Math.floor(i / strides[k]) % f.domains[name].length]));
      events.push(e as EventObject);
    }
    base += f.size;
    return { ...f, base: b, at, indexOf };
  });
  return { events, families: families as unknown as Alphabet<Fs>['families'] };
};
