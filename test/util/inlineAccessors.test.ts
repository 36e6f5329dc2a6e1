/**
 * The bundle's accessor inliner (src/util/inlineAccessors.js): which calls it replaces (of
 * one-expression functions, and of one-expression methods on `this`), which it leaves (an
 * argument with an effect, an argument it would evaluate twice or never, a name the call site
 * shadows, a definition assigned again, a body with a statement, a cycle, a method a subclass
 * or a property could replace, `this` bound elsewhere, an npm package's code), that the
 * replaced code computes what the calls did, and that the bundles bin/bundle.js writes have the
 * state accessors inlined.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type * as TS from 'typescript';
import { describe, expect, it } from 'vitest';
import { bundle } from '../../bin/bundle.js';
import { inlineAccessors } from '../../src/util/inlineAccessors.js';
import { fcParams } from '../support/seed.ts';

const ts = createRequire(import.meta.url)('typescript') as typeof TS;
const inline = (code: string) => inlineAccessors(ts, code);
/** The value of `main` in a script that defines it. */
const run = (code: string, ...args: unknown[]): unknown => new Function(`${code}\nreturn main;`)()(...args);

/** Accessors whose definitions call each other: pageOff twice, ownerOf once (inlined there too). */
const ACCESSORS = `
var HDR = 8;
var pageOff = (L, p, v) => HDR + p * L.procBytes + 1 + 4 * v;
var vflags = (L, s, p, v) => s[pageOff(L, p, v)];
var ownerOf = (L, s, p, v) => s[pageOff(L, p, v) + 2];
var live = (L, s, p) => s[HDR + p * L.procBytes] === 1 ? ownerOf(L, s, p, 0) : -1;
`;

describe('inlineAccessors', () => {
  it('replaces calls with their bodies, the accessors they call expanded, and keeps the definitions', () => {
    const code = `${ACCESSORS}
function main(L, s, p) {
  return vflags(L, s, p, 1) + 10 * ownerOf(L, s, p + 1, 0) + 100 * live(L, s, p);
}`;
    const r = inline(code);
    expect(r.inlined).toEqual({ pageOff: 2, ownerOf: 2, vflags: 1, live: 1 });
    expect(r.code).not.toMatch(/(?<![.\w$])(vflags|ownerOf|live|pageOff)\(/);
    expect(r.code.slice(r.code.indexOf('function main'))).toContain('((s)[(HDR + ((p)) * ((L)).procBytes + 1 + 4 * ((1)))])');
    for (const f of ['pageOff', 'vflags', 'ownerOf', 'live']) expect(r.code).toContain(`var ${f} = (`);
  });

  it('computes what the calls computed', () => {
    const code = `${ACCESSORS}
function main(L, s, p, v) {
  const a = vflags(L, s, p, v + 1) - ownerOf(L, s, p * 1, v);
  return [a, live(L, s, p), vflags(L, s, p, v) ^ ownerOf(L, s, p, v >> 1)];
}`;
    const after = inline(code);
    expect(Object.values(after.inlined).reduce((a, b) => a + b, 0)).toBe(3 + 5);
    const L = { procBytes: 9 };
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 1 }), (s, p, v) => {
        expect(run(after.code, L, s, p, v)).toEqual(run(code, L, s, p, v));
      }),
      fcParams(300),
    );
  });

  it('leaves a call whose argument has an effect, or that it would evaluate twice or never', () => {
    const code = `
var twice = (x) => x + x;
var none = (x) => 1;
var once = (x) => x * 2;
var g = () => 3;
function main(o) {
  let i = 0;
  return [once(i++), once(o.n), twice(o.n), twice(o), none(o.n), none(o), once(g2()), once((i = 4)), once(i)];
}
function g2() { return 5; }`;
    const r = inline(code);
    expect(r.inlined).toEqual({ once: 2, twice: 1, none: 1 });
    expect(r.code).toContain('once(i++)');
    expect(r.code).toContain('twice(o.n)');
    expect(r.code).toContain('none(o.n)');
    expect(r.code).toContain('once(g2())');
    expect(r.code).toContain('once((i = 4))');
    expect(run(r.code, { n: 7 })).toEqual(run(code, { n: 7 }));
  });

  it('expands calls in arguments, unless a name around the call hides the function they call', () => {
    const code = `${ACCESSORS}
var half = (x) => x >> 1;
function hides(L, s, v) {
  let n = 0;
  const hidden = ((half) => vflags(L, s, half(v), 0))((x) => (n++, x));
  return [hidden, n];
}
function main(L, s, v) {
  return [vflags(L, s, half(v), half(v + 2)), hides(L, s, v)];
}`;
    const r = inline(code);
    expect(r.inlined).toEqual({ pageOff: 2, ownerOf: 1, vflags: 1, half: 2 });
    expect(r.code).toContain('half(v), 0)');
    expect(r.code).not.toContain('half(v + 2)');
    const s = Uint8Array.from({ length: 64 }, (_, i) => i);
    expect(run(r.code, { procBytes: 9 }, s, 2)).toEqual(run(code, { procBytes: 9 }, s, 2));
  });

  it('leaves a call where a name its body uses, or the callee, is declared in a function around it', () => {
    const code = `${ACCESSORS}
function main(L, s) {
  const direct = vflags(L, s, 0, 0);
  const shadowed = (() => { const HDR = 0; return vflags(L, s, 0, 0) + HDR; })();
  const callee = ((ownerOf) => ownerOf(L, s, 0, 0))(() => 99);
  return [direct, shadowed, callee];
}`;
    const r = inline(code);
    expect(r.inlined).toEqual({ pageOff: 2, ownerOf: 1 });
    expect(r.code).toContain('const direct = vflags(L, s, 0, 0);');
    expect(run(r.code, { procBytes: 9 }, new Uint8Array(64).fill(3))).toEqual([3, 3, 99]);
  });

  it('inlines no definition that is assigned again, has a statement body, defaults, `this`, a call it cannot expand or a cycle', () => {
    const code = `
var again = (x) => x;
again = (x) => x + 1;
var block = (x) => { return x; };
var dflt = (x = 1) => x;
var self = (x) => this.k + x;
var calls = (x) => Math.abs(x);
var a = (x) => b(x);
var b = (x) => x > 0 ? a(x - 1) : 0;
var ok = (x) => x - 1;
function main(x) { return [again(x), block(x), dflt(x), calls(x), a(x), ok(x)]; }`;
    const r = inline(code);
    expect(r.inlined).toEqual({ ok: 1 });
    expect(run(r.code, 3)).toEqual([4, 3, 3, 3, 0, 2]);
  });

  it('reads a parameter and a property of the same name apart', () => {
    const code = `
var same = (q) => q;
var field = (o, p) => o.p;
var pick = (o, p) => same(o.p) + p;
function main(o) { return [pick(o, 2), field(o, 3)]; }`;
    const r = inline(code);
    expect(r.inlined).toEqual({ same: 1, pick: 1, field: 1 });
    expect(r.code).toContain('return [((((o).p)) + (2)), ((o).p)];');
    expect(run(r.code, { p: 5 })).toEqual([7, 5]);
  });

  it("inlines a class's one-expression methods where `this` is its instance", () => {
    const code = `
var HDR = 1;
var C = class _C {
  constructor(s) { this.s = s; this.k = 3; }
  at(v) { return this.s[HDR + v]; }
  twice(v) { return this.at(v) + this.at(v + 1); }
  run(v) {
    const f = () => this.twice(v);
    const g = function () { return this.at(0); };
    return [this.twice(v), f(), g.call({ at: () => -1 }), this.k, C.sum(this, v)];
  }
  static sum(c, v) { return c.at(v); }
};
function main(s, v) { const c = new C(s); return [...c.run(v), c.at(v)]; }`;
    const r = inline(code);
    expect(r.inlined).toEqual({ 'C.at': 2, 'C.twice': 2 });
    expect(r.code).toContain('return this.at(0);');
    expect(r.code).toContain('return c.at(v);');
    expect(r.code).toContain('c.at(v)]');
    const s = Uint8Array.from({ length: 8 }, (_, i) => 10 * i);
    expect(run(r.code, s, 2)).toEqual(run(code, s, 2));
  });

  it('inlines no method of a class that a class extends, nor one whose name a property takes', () => {
    const code = `
var A = class { f() { return 1; } g() { return this.f() + this.h(); } h() { return 2; } };
var B = class extends A { f() { return 10; } };
var C = class { f() { return 1; } g() { return this.f() + this.h(); } h() { return 2; } };
function main() { const c = new C(); c.h = () => 20; return [new B().g(), c.g()]; }`;
    const r = inline(code);
    expect(r.inlined).toEqual({ 'C.f': 1 });
    expect(run(r.code)).toEqual([12, 21]);
  });

  it("leaves an npm package's modules as they are", () => {
    const code = `
// node_modules/pkg/index.js
var dep = (x) => x + 1;
function inPackage(x) { return dep(x); }

// src/own.ts
var own = (x) => x * 3;
function main(x) { return [inPackage(x), own(x), dep(x)]; }`;
    const r = inline(code);
    expect(r.inlined).toEqual({ own: 1 });
    expect(r.code).toContain('return dep(x);');
    expect(run(r.code, 2)).toEqual([3, 6, 3]);
  });

  it('has inlined the state accessors in the bundles bin/bundle.js writes', () => {
    const model = readFileSync(fileURLToPath(bundle(['cli'])['pfnmap-model']), 'utf8');
    // the one-expression accessors of src/state/access.ts, and the calls of them the model's bundle still makes
    const accessors = [...readFileSync('src/state/access.ts', 'utf8').matchAll(/^export const (\w+) = \([^)]*\): \w+ =>\s*([^\s{])/gm)].map((m) => m[1]);
    expect(accessors).toEqual(expect.arrayContaining(['vflags', 'pgoffOf', 'ownerOf', 'pteOf', 'inVma', 'isAlive', 'tStart', 'tOwner', 'ctxKref']));
    const calls = new Map<string, number>();
    const visit = (n: TS.Node): void => {
      if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && accessors.includes(n.expression.text)) calls.set(n.expression.text, (calls.get(n.expression.text) ?? 0) + 1);
      ts.forEachChild(n, visit);
    };
    visit(ts.createSourceFile('pfnmap-model.mjs', model, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS));
    expect(Object.fromEntries(calls)).toEqual({});
  });
});
