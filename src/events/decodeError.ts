/**
 * Decode failures as one-line messages: the most specific error of a failed io-ts decode (the
 * deepest context wins: it names the field that is wrong, not the union that failed around
 * it), the first field a codec does not know (io-ts ignores them; input that has them is
 * refused), and commands decoded by their kind first, so that an unknown kind is named as
 * such rather than as a failure of every member of the Command union.
 */
import type * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { printable } from '../util/quote.ts';
import { Command, COMMAND_KINDS } from './commands.ts';

export interface DecodeError {
  /** field keys from the root, '.'-joined, array indices and union branches left out ('' at the root) */
  readonly path: string;
  /** the name of the type expected there (capped: a union's name lists all its members) */
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
    expected: printable(e.context[e.context.length - 1]?.type.name ?? 'value', 100),
    value: e.value,
  };
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The structure of an io-ts codec, as far as finding unknown fields needs it. */
interface Shape {
  readonly _tag?: string;
  readonly props?: Record<string, t.Mixed>;
  readonly types?: readonly t.Mixed[];
  readonly type?: t.Mixed;
}

/** Each codec's fields (t.type, t.partial, their intersections), found once. */
const PROPS = new WeakMap<t.Mixed, Readonly<Record<string, t.Mixed>>>();

const propsOf = (codec: t.Mixed): Readonly<Record<string, t.Mixed>> => {
  let props = PROPS.get(codec);
  if (props) return props;
  const found: Record<string, t.Mixed> = Object.create(null);
  const collect = (c: t.Mixed): void => {
    const x = c as unknown as Shape;
    if (x.props) Object.assign(found, x.props);
    else if (x._tag === 'IntersectionType' && x.types) x.types.forEach(collect);
    else if (x._tag === 'ExactType' && x.type) collect(x.type);
  };
  collect(codec);
  PROPS.set(codec, (props = found));
  return props;
};

/** The field names a codec knows at its top (t.type, t.partial, their intersections). */
export const knownKeys = (c: t.Mixed): string[] => Object.keys(propsOf(c));

export interface UnknownField {
  /** the path of the unknown key, '.'-joined with array indices */
  readonly path: string;
  /** the keys known where it is */
  readonly known: readonly string[];
}

/**
 * The first key of value (a value the codec decodes) that the codec does not know, at any
 * depth, or null. Unions are followed into the member that decodes the value.
 */
export const unknownField = (codec: t.Mixed, value: unknown, path = ''): UnknownField | null => {
  const s = codec as unknown as Shape;
  const at = (k: string) => (path ? `${path}.${k}` : k);
  if (s._tag === 'UnionType' && s.types) {
    const member = s.types.find((m) => m.is(value) || !isLeft(m.decode(value)));
    return member ? unknownField(member, value, path) : null;
  }
  if ((s._tag === 'ArrayType' || s._tag === 'ReadonlyArrayType') && s.type && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const u = unknownField(s.type, value[i], at(String(i)));
      if (u) return u;
    }
    return null;
  }
  if (s._tag === 'ExactType' && s.type) return unknownField(s.type, value, path);
  const props = propsOf(codec);
  if (!isRecord(value)) return null;
  for (const k of Object.keys(value)) {
    if (!(k in props)) return { path: at(k), known: Object.keys(props) };
    const u = unknownField(props[k], value[k], at(k));
    if (u) return u;
  }
  return null;
};

/** Each command kind's codec (Command is a union of one codec per kind). */
const kindOf = (c: t.Mixed): string | undefined => {
  const s = c as unknown as Shape;
  const literal = s.props?.kind as unknown as { value?: string } | undefined;
  return literal?.value ?? s.types?.map(kindOf).find(Boolean);
};
const COMMAND_CODECS = new Map<string, t.Mixed>((Command.types as readonly t.Mixed[]).map((c) => [kindOf(c)!, c]));

/** Decode a command by its kind: the command, or the error (path relative to the command) and an unknown field. */
export const decodeCommand = (v: unknown): { readonly command: Command } | { readonly error: DecodeError } | { readonly unknown: UnknownField } => {
  if (!isRecord(v)) return { error: { path: '', expected: 'a command object', value: v } };
  const codec = typeof v.kind === 'string' ? COMMAND_CODECS.get(v.kind) : undefined;
  if (!codec)
    return { error: { path: 'kind', expected: `a command kind (${COMMAND_KINDS.join(', ')})`, value: v.kind } };
  const r = codec.decode(v);
  if (isLeft(r)) return { error: deepestError(r.left) };
  const u = unknownField(codec, v);
  if (u) return { unknown: u };
  return { command: r.right as Command };
};
