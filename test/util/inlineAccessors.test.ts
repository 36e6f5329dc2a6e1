/**
 * The bundle's accessor inliner (src/util/inlineAccessors.js): which calls it replaces (of
 * one-expression functions, and of one-expression methods on `this`), which it leaves (an
 * argument with an effect, an argument it would evaluate twice or never, a name the call site
 * shadows, a definition assigned again, a body with a statement, a cycle, a method a subclass
 * or a property could replace, `this` bound elsewhere, an npm package's code); which function
 * bodies it copies where a call's value is dropped, kept in a name or returned, and which it
 * leaves; that the replaced code computes what the calls did; and that the bundles
 * bin/bundle.js writes have the state accessors inlined and the state's writers copied in.
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
    // b, whose body calls a, is copied into a's body (its value returned), where it calls a again
    expect(r.inlined).toEqual({ ok: 1, b: 1 });
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

  it("copies a statement body into its callers where called as a statement or an arrow function's expression, its arguments bound once each, in order", () => {
    const code = `
var HDR = 1;
var put = (s, i, v) => { s[HDR + i] = v; };
var fill = (s, a, b, v) => { for (let i = a; i < b; i++) put(s, i, v); };
var clamp = (s, a) => { a = Math.max(a, 0); s[0] = a; };
function main(s, n) {
  const log = [];
  let k = n;
  fill(s, k++, (log.push('b'), k++ + 2), (log.push('v'), 7));
  clamp(s, n - 3);
  const x = put(s, 5, 1);
  if (n > 2) put(s, 6, k); else put(s, 6, -k);
  const y = [7, 8].map((i) => put(s, i, i));
  return [Array.from(s), k, log, x, y, guard(s, n)];
}
function guard(s, n) {
  if (n > 3) return put(s, 9, 9);
  return 'after';
}`;
    const r = inline(code);
    expect(r.inlined).toEqual({ put: 6, fill: 1, clamp: 1 });
    // an arrow function's expression: the block is its body, its value undefined as the call's was
    expect(r.code).toMatch(/\.map\(\(i\) => \{ let inl\$\d+_0 = \(s\)/);
    // a value kept in a name: the name is declared, then given the value (undefined: no return)
    expect(r.code).toMatch(/let x; \{ let inl\$\d+_0 = \(s\)[^]*?x = undefined; \} \}/);
    expect(r.code).toMatch(/if \(n > 2\) \{ let inl\$\d+_0 = \(s\)/);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), (n) => {
        expect(run(r.code, new Int8Array(12), n)).toEqual(run(code, new Int8Array(12), n));
      }),
      fcParams(50),
    );
  });

  it('copies a body whose last statement returns where its value is kept in a name, given to a name or returned', () => {
    const code = `
var hits = [0, 0, 0, 0];
var take = (m, e) => { const i = e * 2 + m.base; m.hits[i]++; return i; };
var edge = (m, e) => take(m, e + 1);
var bump = (m, i) => (m.hits[i] += 10, i);
var early = (e) => { if (e > 1) return 1; return 0; };
var C = class {
  constructor() { this.m = { base: 0, hits }; }
  edgeOf(e) { return edge(this.m, e); }
  run(e) {
    const a = this.edgeOf(e);
    let b = take(this.m, e);
    let c;
    c = bump(this.m, a);
    const d = early(e);
    const f = [e].map((x) => take(this.m, x));
    const g = take(this.m, e) + 1;
    return [a, b, c, d, f, g, hits.slice()];
  }
};
function main(e) { return new C().run(e); }`;
    const r = inline(code);
    // in an expression (g) or with a return before its last statement (early), a body stays a call
    // each call site is counted once: the copies a copied body carries are not counted again
    expect(r.inlined).toEqual({ 'C.edgeOf': 1, edge: 1, take: 3, bump: 1 });
    expect(r.code).toContain('const d = early(e);');
    expect(r.code).toContain('const g = take(this.m, e) + 1;');
    expect(r.code.slice(r.code.indexOf('run(e)'))).toMatch(/^run\(e\) \{\n    let a; \{ let inl\$\d+_0 = \(e\); \{/);
    for (let e = 0; e < 2; e++) expect(run(r.code, e)).toEqual(run(code, e));
  });

  it('copies a body that returns early only where the call returns its value, its returns left as they are', () => {
    const code = `
var first = (s) => { for (let i = 0; i < s.length; i++) if (s[i]) return i; return -1; };
var mark = (s) => { if (s[0]) return 5; s[1] = 2; };
function pick(s) { return first(s); }
function marked(s) { if (s.length > 1) return mark(s); return 'short'; }
function main(s) {
  const kept = first(s);
  mark(s);
  return [pick(s), marked(s), [s].map((x) => first(x)), kept, Array.from(s)];
}`;
    const r = inline(code);
    // kept (a name) and the statement call are left; the returns and the arrow function's expression are copied
    expect(r.inlined).toEqual({ first: 2, mark: 1 });
    expect(r.code).toContain('const kept = first(s);');
    expect(r.code).toContain('  mark(s);');
    for (const s of [[0, 0], [0, 3], [4, 0], [0]]) expect(run(r.code, Int8Array.from(s))).toEqual(run(code, Int8Array.from(s)));
  });

  it('copies no body where its value goes to a name one of its own locals, or of a copy its return makes, would hide', () => {
    const code = `
var inner = (s) => { const i = s[0]; return i + 1; };
var outer = (s) => { const k = 2; return inner(s) * k; };
var relay = (s) => inner(s);
function second(s) { const i = relay(s); return i; }
function main(s) {
  let i = 0;
  i = inner(s);
  const k = outer(s);
  let j;
  j = outer(s);
  return [i, k, j, second(s)];
}`;
    const r = inline(code);
    // i and k are locals of the copies (i of the copy of inner that relay's return makes); j is not
    expect(r.code).toContain('i = inner(s);');
    expect(r.code).toContain('const k = outer(s);');
    expect(r.code).toContain('const i = relay(s);');
    expect(r.inlined).toEqual({ outer: 1, inner: 1 });
    expect(run(r.code, [5])).toEqual(run(code, [5]));
  });

  it('copies statement bodies into statement bodies: each parameter a name of its own, each body a block of its own', () => {
    const code = `
var inner = (s, i) => { const o = i * 2; s[o] = i; };
var outer = (s, o) => { const i = o + 1; inner(s, o); inner(s, i); };
function main(s, o) { const i = 1; outer(s, o); inner(s, i); return Array.from(s); }`;
    const r = inline(code);
    expect(r.inlined).toEqual({ inner: 3, outer: 1 });
    const main = r.code.slice(r.code.indexOf('function main'));
    expect(main).not.toMatch(/(?<![.\w$])(inner|outer)\(/);
    for (let o = 0; o < 4; o++) expect(run(r.code, new Int8Array(12), o)).toEqual(run(code, new Int8Array(12), o));
  });

  it('copies no statement body with a return, `this` outside a method, a `var`, a function, an object literal, a label, a local named like a parameter, or too long; nor where the call site shadows a name it reads', () => {
    const long = Array.from({ length: 60 }, (_, i) => `s[${i % 4}] += ${i};`).join(' ');
    const code = `
var HDR = 1;
var early = (s) => { if (s[0]) return; s[1] = 1; };
var self = (s) => { s[0] = this === undefined ? 1 : 2; };
var old = (s) => { var t = 1; s[0] = t; };
var closure = (s) => { const f = () => 1; s[0] = f(); };
var literal = (s) => { const o = { a: 1 }; s[0] = o.a; };
var labelled = (s) => { out: for (let i = 0; i < 2; i++) { s[i] = 1; break out; } };
var shadows = (s, i) => { for (let i = 0; i < 1; i++) s[i] = 1; };
var tooLong = (s) => { ${long} };
var header = (s) => { s[HDR] = 9; };
function main(s) {
  early(s); self(s); old(s); closure(s); literal(s); labelled(s); shadows(s, 0); tooLong(s);
  { const HDR = 2; header(s); }
  return Array.from(s);
}`;
    const r = inline(code);
    expect(r.inlined).toEqual({});
    expect(run(r.code, new Int32Array(4))).toEqual(run(code, new Int32Array(4)));
  });

  it("copies a class's statement methods where `this` is its instance", () => {
    const code = `
var C = class {
  constructor(s) { this.s = s; }
  set(v, x) { this.s[v] = x; this.count = (this.count ?? 0) + 1; }
  run(v) {
    this.set(v, 1);
    const f = () => this.set(v + 1, 2);
    f();
    [0].forEach(() => { this.set(v + 2, 3); });
    const g = function () { this.set(0, 4); };
    g.call({ set: () => {} });
    return [Array.from(this.s), this.count];
  }
};
function main(s, v) { return new C(s).run(v); }`;
    const r = inline(code);
    expect(r.inlined).toEqual({ 'C.set': 3 });
    expect(r.code).toContain('this.set(0, 4);');
    expect(run(r.code, new Int8Array(6), 1)).toEqual(run(code, new Int8Array(6), 1));
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
    // the state's writers (src/state/ops.ts), called as statements, are copied in, their definitions kept
    for (const writer of ['opSetPte', 'opSetOwner', 'opCtxKref', 'opCtxFree', 'opTreeRemove']) {
      expect(model).toContain(`var ${writer} = (`);
      expect(model).not.toMatch(new RegExp(`(?<![.\\w$])${writer}\\(`));
    }
  });
});
