/**
 * The input readers (src/util/json.ts, input.ts, quote.ts): strict JSON accepts exactly what
 * JSON.parse accepts, less duplicate keys and nesting past the limit; files are streamed with
 * their line numbers right whatever the chunk size; quoting is bounded and terminal-safe.
 */
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError, linesOfBytes, linesOfFile, linesOfText, splitLines } from '../../src/util/input.ts';
import { JsonError, MAX_JSON_DEPTH, scanJson } from '../../src/util/json.ts';
import { printable, quote, terminalSafe } from '../../src/util/quote.ts';
import { fcParams } from '../support/seed.ts';

const verdict = (text: string): 'ok' | 'bad' | 'dup' | 'deep' => {
  try {
    scanJson(text);
    return 'ok';
  } catch (e) {
    if (!(e instanceof JsonError)) throw e;
    return /duplicate key/.test(e.message) ? 'dup' : /nested deeper/.test(e.message) ? 'deep' : 'bad';
  }
};
const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/** JSON texts, and texts near JSON (a character inserted, removed or replaced). */
const nearJson = fc.oneof(
  fc.json(),
  fc.tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', ':', '"', '\\', '{', '}', '[', ']', ' ', '\t', '\n', '\u0000', '\u001f', 'e', '-', '.', '0', '1', 'tru', 'nul', '\\u12', '\ufeff')).map(
    ([j, at, c]) => {
      const k = at % (j.length + 1);
      return at % 3 === 0 ? j.slice(0, k) + c + j.slice(k) : at % 3 === 1 ? j.slice(0, k) + c + j.slice(k + 1) : j.slice(0, k) + j.slice(k + 1);
    },
  ),
  fc.string({ maxLength: 12 }),
);

describe('strict JSON (src/util/json.ts)', () => {
  it('accepts what JSON.parse accepts, refuses what it refuses (property)', () => {
    fc.assert(
      fc.property(nearJson, (text) => {
        const v = verdict(text);
        if (v === 'ok' || v === 'bad') expect(v === 'ok').toBe(parses(text));
        else expect(parses(text)).toBe(true);
      }),
      fcParams(3000),
    );
  });
  it('refuses duplicate keys (decoded: "a" and "\\u0061" are one key) and names the field', () => {
    expect(() => scanJson('{"x":{"a":1,"\\u0061":2}}')).toThrow(/duplicate key 'a'/);
    try {
      scanJson('{"x":[{"a":1},{"b":1,"b":2}]}');
    } catch (e) {
      expect((e as JsonError).path).toBe('x.1.b');
    }
    expect(verdict('{"a":{"b":1},"c":{"b":2}}')).toBe('ok');
  });
  it(`refuses nesting past ${MAX_JSON_DEPTH} levels without recursion (100,000 levels)`, () => {
    expect(verdict('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH))).toBe('ok');
    expect(verdict('['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1))).toBe('deep');
    expect(verdict('{"a":' + '['.repeat(100_000))).toBe('deep');
  });
  it('gives the offset of the error and records where each field is', () => {
    try {
      scanJson('{"a": tru}');
    } catch (e) {
      expect((e as JsonError).offset).toBe(6);
    }
    expect([...scanJson('{\n "a": [1, {"b": 2}]\n}', { keyOffsets: true }).keyOffsets!]).toEqual([
      ['a', 3],
      ['a.0', 9],
      ['a.1', 12],
      ['a.1.b', 13],
    ]);
  });
});

describe('reading lines (src/util/input.ts)', () => {
  it('splits chunks into the same lines whatever the chunk boundaries (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', '\n', '\r', 'é', '😀'), { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 8 }), (chars, cuts) => {
        const text = chars.join('');
        const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...at].map((a, i, all) => text.slice(a, all[i + 1] ?? text.length));
        const want = text.split('\n');
        if (want[want.length - 1] === '') want.pop();
        expect([...splitLines(chunks)]).toEqual(want);
      }),
      fcParams(500),
    );
  });
  it('streams a file in small chunks with the right lines, multi-byte characters across chunks included', () => {
    const p = join(fs.mkdtempSync(join(tmpdir(), 'pfnmap-lines-')), 'f.txt');
    const text = ['héllo 😀', '', 'wörld', 'x'.repeat(100)].join('\n') + '\n';
    fs.writeFileSync(p, text);
    for (const chunk of [1, 2, 3, 7, 64]) expect([...linesOfFile(p, 1000, chunk)]).toEqual(text.split('\n').slice(0, -1));
  });
  it('refuses a line past the limit as soon as it is seen, with its line number', () => {
    expect(() => [...linesOfText('ok\n' + 'x'.repeat(11) + '\nnever', 10)]).toThrow(/^line 2: line longer than 10 characters/);
    expect(() => [...splitLines(['ok\nxxxxxx', 'xxxxxx', 'never read'], 10)]).toThrow(InputError);
  });
  it('refuses bytes that are not UTF-8, naming their line (a character cut at the end too)', () => {
    const bytes = (...parts: (string | number[])[]) => new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p)))));
    expect(() => [...linesOfBytes(bytes('a\nb\nc', [0xff], '\n'))]).toThrow(/^line 3: not UTF-8 text \(byte 0xff\)$/);
    expect(() => [...linesOfBytes(bytes('a\n', [0xed, 0xa0, 0x80]))]).toThrow(/^line 2: not UTF-8 text/);
    expect(() => [...linesOfBytes(bytes('a\n', [0xe2, 0x82]))]).toThrow(/^line 2: not UTF-8 text \(the input ends inside a character\)$/);
    expect([...linesOfBytes(bytes([0xef, 0xbb, 0xbf], 'a\n'))]).toEqual(['a']);
  });
});

describe('quoting (src/util/quote.ts)', () => {
  it('escapes control characters, bidi overrides and lone surrogates, caps the length', () => {
    expect(printable('a\u0000b\u001b[2J\u009b\u202e\ud800')).toBe('a\\u0000b\\u001b[2J\\u009b\\u202e\\ud800');
    expect(printable('x'.repeat(100), 10)).toBe('x'.repeat(10) + '...');
    expect(printable('😀😀', 3)).toBe('😀...');
    expect(terminalSafe('line 1\nline\t2\r\u001b[K')).toBe('line 1\nline\t2\\u000d\\u001b[K');
  });
  it('renders any value in bounded length and depth (a value nested 100,000 deep costs nothing)', () => {
    let v: unknown = 1;
    for (let i = 0; i < 100_000; i++) v = [v];
    expect(quote(v)).toBe('[[[...]]]');
    expect(quote({ a: '\u001b', b: [1, 2], c: { d: { e: 1 } } })).toBe('{"a":"\\u001b","b":[1,2],"c":{"d":{...}}}');
    expect(quote('y'.repeat(1000)).length).toBeLessThanOrEqual(70);
    expect(quote(Array.from({ length: 1000 }, (_, i) => i)).length).toBeLessThanOrEqual(70);
    expect(quote(undefined)).toBe('undefined');
  });
});
