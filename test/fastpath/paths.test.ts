/**
 * src/fastpath on a toy step function, exhaustively: the function is transformed (transform.ts),
 * traced on states one after another (tracer.ts) and its paths compiled (paths.ts); on every
 * state of the toy's domain the compiled tree, once it has seen the state's path, leaves the
 * bytes and counters the untransformed function leaves, and a second pass needs no trace. The
 * toy has what the decider has: a loop over bytes, branches, a value fixed by a switch, an
 * index read from the state, indices made of an input plus constants, a counter, Math.max and a
 * residual call.
 */
import * as ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { BAIL, PathTree } from '../../src/fastpath/paths.ts';
import { tracer } from '../../src/fastpath/tracer.ts';
import { traceTransform } from '../../src/fastpath/transform.ts';

const TOY = `
export const clear = (s: Uint8Array, i: number): void => {
  s[i] = 0;
};
export const step = (s: Uint8Array, hits: Uint32Array, k: number): void => {
  let odd = 0;
  for (let i = 0; i < 4; i++) if (s[i] & 1) odd++;
  hits[odd]++;
  switch (s[4]) {
    case 0:
      s[5] = (s[5] + odd) & 3;
      break;
    case 1:
      s[s[5]] = Math.max(s[0], k);
      break;
    case 2:
      // bytes at the input plus constants: k + 3 and k + 4 differ whatever k is
      s[k + 4] = (s[k + 3] + s[k + 4]) & 1;
      // byte 5 is k + 3 for k = 2 and k + 4 for k = 1
      s[5] = 1;
      s[6] = s[k + 3] + s[k + 4 - 1];
      break;
    default:
      if (s[4] > k && s[6] !== 0) s[4] = s[4] - k;
      else clear(s, 5);
  }
};
`;
type Step = (s: Uint8Array, hits: Uint32Array, k: number) => void;
type Compiled = (S: Uint8Array, H: Uint32Array, K: number, R: unknown) => number;

const load = async (source: string): Promise<{ step: Step }> => import(`data:text/javascript,${encodeURIComponent(source)}`);

describe('tracing and compiling a toy step', () => {
  it('is the toy on every state of its domain, and a second pass traces nothing', async () => {
    const plain = await load(ts.transpileModule(TOY, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText);
    const traced = await load(traceTransform(ts, TOY, 'toy.ts', new Set(['clear'])));
    const tree = new PathTree();
    let fn: Compiled | null = null;
    const residual = { clear: (s: Uint8Array, i: number) => (s[i] = 0) };
    const scratch = new Uint8Array(7);
    const hitsTraced = new Uint32Array(5);
    let traces = 0;
    const pass = (): { mismatches: number; bails: number } => {
      let mismatches = 0;
      let bails = 0;
      // bytes 0..3 in 0..1, byte 4 in 0..3, byte 5 in 0..3, byte 6 in 0..1; k in 0..2
      for (let code = 0; code < 16 * 4 * 4 * 2 * 3; code++) {
        let c = code;
        const s = new Uint8Array(7);
        for (let i = 0; i < 4; i++, c >>= 1) s[i] = c & 1;
        s[4] = c & 3;
        c >>= 2;
        s[5] = c & 3;
        c >>= 2;
        s[6] = c & 1;
        c >>= 1;
        const k = c;
        const want = s.slice();
        const hitsWant = new Uint32Array(5);
        plain.step(want, hitsWant, k);
        const got = s.slice();
        const hitsGot = new Uint32Array(5);
        let r = fn ? fn(got, hitsGot, k, residual) : BAIL;
        if (r === BAIL) {
          bails++;
          got.set(s);
          scratch.set(s);
          hitsTraced.fill(0);
          tracer.track(scratch, 'S');
          tracer.track(hitsTraced, 'H', true);
          tracer.begin();
          traced.step(scratch, hitsTraced, tracer.input('K', k) as unknown as number);
          const ops = tracer.end();
          if (tree.add(ops, 0)) traces++;
          fn = new Function('S', 'H', 'K', 'R', tree.body()) as Compiled;
          r = fn!(got, hitsGot, k, residual);
        }
        if (r !== 0 || !got.every((x, i) => x === want[i]) || !hitsGot.every((x, i) => x === hitsWant[i])) mismatches++;
      }
      return { mismatches, bails };
    };
    const first = pass();
    expect(first.mismatches).toBe(0);
    expect(traces).toBeGreaterThan(4);
    expect(tree.paths).toBe(traces);
    const second = pass();
    expect(second).toEqual({ mismatches: 0, bails: 0 });
    // a planted difference: the residual call left out
    fn = new Function('S', 'H', 'K', 'R', tree.body().replace(/R\.clear\([^)]*\);/g, '')) as Compiled;
    expect(pass().mismatches).toBeGreaterThan(0);
  });

  it('computes with values a guard fixed, and does not test again what a test settled', () => {
    tracer.begin();
    const x = tracer.input('X', 3);
    expect(tracer.k(x)).toBe(3);
    // X is 3 from here on: X + 1 is the number 4, and a test of it needs no guard
    expect(tracer.b('+', x, 1)).toBe(4);
    expect(tracer.c(tracer.b('===', tracer.b('+', x, 1), 4))).toBe(true);
    const z = tracer.input('Z', 5);
    expect(tracer.c(tracer.b('===', z, 5))).toBe(true);
    // settled by the test before: Z !== 5 is false, and !(Z === 5) too
    expect(tracer.c(tracer.b('!==', z, 5))).toBe(false);
    expect(tracer.c(tracer.u('!', tracer.b('===', z, 5)))).toBe(false);
    const w = tracer.input('W', 1);
    expect(tracer.c(tracer.u('!', tracer.b('===', w, 2)))).toBe(true);
    expect(tracer.c(tracer.b('===', w, 2))).toBe(false);
    const ops = tracer.end();
    expect(ops).toEqual([
      { k: 'eq', e: 'X', v: '3' },
      { k: 'guard', e: '(Z === 5)', want: true },
      { k: 'guard', e: '(!(W === 2))', want: true },
    ]);
  });

  it('folds the constants added to a traced value into one, and keeps a read at that value plus another constant across a write', () => {
    const S = new Uint8Array(8);
    tracer.track(S, 'S');
    tracer.begin();
    const x = tracer.input('X', 1);
    const base = tracer.b('*', x, 2);
    // (X * 2) + 3 + 1 - 2: one root and one constant
    const i = tracer.b('-', tracer.b('+', tracer.b('+', 3, base), 1), 2);
    expect(String((i as { e: string }).e)).toBe('((X * 2) + 2)');
    const j = tracer.b('+', base, 3);
    tracer.r(S, i);
    tracer.w(S, j, 7);
    // S[(X * 2) + 2] is not S[(X * 2) + 3]: the read is kept; a write at another root may be any byte
    tracer.r(S, i);
    tracer.w(S, tracer.b('+', x, 5), 1);
    tracer.r(S, i);
    expect(tracer.end()).toEqual([
      { k: 'read', t: 't0', a: 'S', i: '((X * 2) + 2)' },
      { k: 'write', a: 'S', i: '((X * 2) + 3)', v: '7' },
      { k: 'write', a: 'S', i: '(X + 5)', v: '1' },
      { k: 'read', t: 't1', a: 'S', i: '((X * 2) + 2)' },
    ]);
  });

  it('refuses a traced value that reaches untransformed code', () => {
    tracer.begin();
    const x = tracer.input('X', 3);
    try {
      expect(() => Math.max(x as unknown as number, 1)).toThrow(/not transformed/);
    } finally {
      tracer.end();
    }
  });
});
