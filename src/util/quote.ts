/**
 * Quoting input in messages. Every message that shows a value taken from input (a field's
 * value, a name, a flag's argument, a file name) shows it through `quote` or `printable`, so
 * that a message stays one line of bounded length and never carries the input's raw bytes to
 * the terminal: control characters (NUL, ESC and so terminal escape sequences, CR, C1 codes
 * such as the 8-bit CSI), bidirectional overrides and lone surrogates are written as \uXXXX.
 * The renderer is bounded in depth and length, so a value nested thousands of levels deep
 * costs no more than a flat one (JSON.stringify of such a value overflows the stack).
 */

/** Characters never written raw: C0 controls, DEL, C1 controls, bidi marks/overrides/isolates, lone surrogates. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** The same, with tab and newline allowed (output text that is several lines on purpose). */
const UNSAFE_IN_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const u4 = (c: string): string => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

/** s's first n characters, a surrogate pair never split. */
const cut = (s: string, n: number): string => (/[\ud800-\udbff]/.test(s.charAt(n - 1)) ? s.slice(0, n - 1) : s.slice(0, n));

/** The longest quoted value, in characters, before it is cut with '...'. */
export const QUOTE_MAX = 60;

/** s with every unsafe character written as \uXXXX, cut to max characters ('...' marks a cut). */
export const printable = (s: string, max = QUOTE_MAX): string => {
  const safe = (s.length > max ? cut(s, max) : s).replace(UNSAFE, u4);
  return s.length > max ? safe + '...' : safe;
};

/** Text bound for stdout or stderr with its line structure kept (\n and \t pass), any length. */
export const terminalSafe = (s: string): string => s.replace(UNSAFE_IN_TEXT, u4);

const quoteString = (s: string, max: number): string => {
  const body = (s.length > max ? cut(s, max) : s).replace(/["\\]/g, (c) => '\\' + c).replace(UNSAFE, u4);
  return `"${body}${s.length > max ? '...' : ''}"`;
};

/**
 * A JSON-like rendering of any value, at most about max characters: strings quoted and
 * escaped, arrays and objects to a depth of 2, then '[...]' / '{...}'.
 */
export const quote = (v: unknown, max = QUOTE_MAX): string => {
  let out = '';
  const full = (): boolean => out.length >= max;
  const put = (v: unknown, depth: number): void => {
    if (full()) return;
    if (typeof v === 'string') out += quoteString(v, max - out.length);
    else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === null || v === undefined) out += String(v);
    else if (typeof v === 'object') {
      const array = Array.isArray(v);
      const keys = Object.keys(v);
      const [open, close] = array ? ['[', ']'] : ['{', '}'];
      if (depth >= 2) {
        out += keys.length ? `${open}...${close}` : open + close;
        return;
      }
      out += open;
      for (let i = 0; i < keys.length; i++) {
        if (full()) {
          out += '...';
          break;
        }
        if (i) out += ',';
        if (!array) out += quoteString(keys[i], 20) + ':';
        put((v as Record<string, unknown>)[keys[i]], depth + 1);
      }
      out += close;
    } else out += `(${typeof v})`;
  };
  put(v, 0);
  return out.length > max + 3 ? cut(out, max) + '...' : out;
};
