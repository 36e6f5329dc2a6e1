/**
 * The most specific error of a failed io-ts decode, for one-line messages: the deepest
 * context wins (it names the field that is wrong, not the union that failed around it).
 */
import type * as t from 'io-ts';

export interface DecodeError {
  /** field keys from the root, '.'-joined, array indices and union branches left out ('' at the root) */
  readonly path: string;
  /** the name of the type expected there */
  readonly expected: string;
  readonly value: unknown;
}

export const deepestError = (errors: t.Errors): DecodeError => {
  const e = [...errors].sort((a, b) => b.context.length - a.context.length)[0];
  return {
    path: e.context
      .map((c) => c.key)
      .filter((k) => k !== '' && !/^\d+$/.test(k))
      .join('.'),
    expected: e.context[e.context.length - 1]?.type.name ?? 'value',
    value: e.value,
  };
};
