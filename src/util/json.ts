/**
 * Strict JSON for input files: a scan of the text before JSON.parse builds the value. The
 * scan checks the whole grammar (RFC 8259), refuses nesting deeper than a limit (before any
 * recursion, so a value 5,000 levels deep is a one-line error rather than a stack overflow
 * in whatever walks it later) and refuses duplicate keys in an object (JSON.parse keeps the
 * last one silently). It is a loop with an explicit stack, one pass, no allocation per value
 * but the keys. Errors give the offset and the path of the field they are in.
 */
import { printable } from './quote.ts';

/** Deepest nesting of arrays and objects an input value may have. */
export const MAX_JSON_DEPTH = 64;

export class JsonError extends Error {
  constructor(
    /** offset in the text (UTF-16 code units) */
    readonly offset: number,
    /** the field it is in: keys and indices from the root, '.'-joined ('' at the root) */
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

export interface JsonScan {
  /** for each key path (and array element), the offset of its key (element) (only when asked: config files name lines) */
  readonly keyOffsets?: ReadonlyMap<string, number>;
}

interface Frame {
  readonly object: boolean;
  /** keys seen (objects) */
  readonly keys: Set<string> | null;
  /** the current key or index */
  at: string;
  count: number;
}

const WS = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const DIGIT = (c: number): boolean => c >= 0x30 && c <= 0x39;
const HEX = (c: number): boolean => DIGIT(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

const what = (text: string, i: number): string => (i >= text.length ? 'the end of the input' : `'${printable(text.charAt(i), 1)}'`);

/** Check text against the JSON grammar and the limits; throws JsonError. */
export const scanJson = (text: string, opts: { maxDepth?: number; keyOffsets?: boolean } = {}): JsonScan => {
  const maxDepth = opts.maxDepth ?? MAX_JSON_DEPTH;
  const keyOffsets = opts.keyOffsets ? new Map<string, number>() : undefined;
  const stack: Frame[] = [];
  const n = text.length;
  let i = 0;
  const path = (): string => stack.map((f) => f.at).filter((k) => k !== '').join('.');
  const fail = (at: number, message: string): never => {
    throw new JsonError(at, path(), message);
  };
  const ws = (): void => {
    while (i < n && WS(text.charCodeAt(i))) i++;
  };
  /** a string token at i; returns its decoded value when wanted */
  const string = (decode: boolean): string => {
    const start = i;
    let escaped = false;
    i++;
    for (;;) {
      if (i >= n) fail(start, 'a string is not closed');
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) fail(i, `raw control character U+${c.toString(16).padStart(4, '0')} in a string (JSON needs it escaped)`);
      if (c === 0x5c) {
        escaped = true;
        const e = text.charCodeAt(i + 1);
        if (e === 0x75) {
          for (let k = 2; k < 6; k++) if (!HEX(text.charCodeAt(i + k))) fail(i, 'a \\u escape needs four hex digits');
          i += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(text.charAt(i + 1)) || i + 1 >= n) fail(i, `bad escape '\\${printable(text.charAt(i + 1), 1)}' in a string`);
        i += 2;
        continue;
      }
      i++;
    }
    i++;
    if (!decode) return '';
    return escaped ? (JSON.parse(text.slice(start, i)) as string) : text.slice(start + 1, i - 1);
  };
  const number = (): void => {
    const start = i;
    if (text.charCodeAt(i) === 0x2d) i++;
    if (text.charCodeAt(i) === 0x30) i++;
    else if (DIGIT(text.charCodeAt(i))) while (DIGIT(text.charCodeAt(i))) i++;
    else fail(start, `bad number: expected a digit, got ${what(text, i)}`);
    if (text.charCodeAt(i) === 0x2e) {
      i++;
      if (!DIGIT(text.charCodeAt(i))) fail(i, `bad number: expected a digit after '.', got ${what(text, i)}`);
      while (DIGIT(text.charCodeAt(i))) i++;
    }
    const e = text.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      i++;
      const s = text.charCodeAt(i);
      if (s === 0x2b || s === 0x2d) i++;
      if (!DIGIT(text.charCodeAt(i))) fail(i, `bad number: expected a digit in the exponent, got ${what(text, i)}`);
      while (DIGIT(text.charCodeAt(i))) i++;
    }
  };
  const literal = (word: string): void => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(i, `unexpected ${what(text, i)} (expected a value)`);
  };
  const open = (object: boolean): void => {
    // named by its keys only: the field that holds the deep value, not a thousand indices
    if (stack.length >= maxDepth) throw new JsonError(i, stack.map((f) => (f.object ? f.at : '')).filter((k) => k !== '').join('.'), `nested deeper than ${maxDepth} levels`);
    stack.push({ object, keys: object ? new Set() : null, at: '', count: 0 });
    i++;
  };
  /** an object's key and its colon, at i (after '{' or ',') */
  const key = (f: Frame): void => {
    f.at = '';
    ws();
    if (text.charCodeAt(i) !== 0x22) fail(i, `expected a key in double quotes, got ${what(text, i)}`);
    const at = i;
    const k = string(true);
    if (f.keys!.has(k)) {
      f.at = k;
      fail(at, `duplicate key '${printable(k)}' (JSON.parse would keep the last one)`);
    }
    f.keys!.add(k);
    f.at = k;
    keyOffsets?.set(path(), at);
    ws();
    if (text.charCodeAt(i) !== 0x3a) fail(i, `expected ':' after the key, got ${what(text, i)}`);
    i++;
  };

  ws();
  for (;;) {
    // a value at i
    ws();
    if (keyOffsets && stack.length && !stack[stack.length - 1].object) keyOffsets.set(path(), i);
    const c = text.charCodeAt(i);
    let opened = false;
    if (c === 0x7b || c === 0x5b) {
      const object = c === 0x7b;
      open(object);
      ws();
      if (text.charCodeAt(i) === (object ? 0x7d : 0x5d)) {
        i++;
        stack.pop();
      } else {
        if (object) key(stack[stack.length - 1]);
        else stack[stack.length - 1].at = '0';
        opened = true;
      }
    } else if (c === 0x22) string(false);
    else if (c === 0x2d || DIGIT(c)) number();
    else if (c === 0x74) literal('true');
    else if (c === 0x66) literal('false');
    else if (c === 0x6e) literal('null');
    else fail(i, i >= n ? 'expected a value, got the end of the input' : `unexpected ${what(text, i)} (expected a value)`);
    if (opened) continue;
    // after a value: close containers until one takes another member
    for (;;) {
      const f = stack[stack.length - 1];
      if (!f) {
        ws();
        if (i < n) fail(i, `unexpected ${what(text, i)} after the JSON value`);
        return { keyOffsets };
      }
      ws();
      const d = text.charCodeAt(i);
      if (d === 0x2c) {
        i++;
        f.count++;
        if (f.object) key(f);
        else f.at = String(f.count);
        break;
      }
      if (d === (f.object ? 0x7d : 0x5d)) {
        i++;
        stack.pop();
        continue;
      }
      fail(i, `expected ',' or '${f.object ? '}' : ']'}', got ${what(text, i)}`);
    }
  }
};

/** Parse strict JSON (scanJson's checks, then JSON.parse); throws JsonError. */
export const parseJson = (text: string, maxDepth = MAX_JSON_DEPTH): unknown => {
  scanJson(text, { maxDepth });
  return JSON.parse(text);
};
