/**
 * The tracer a tracing build (transform.ts) calls for every operation: it runs the code on
 * concrete values as usual and, while a trace is on, also keeps for each value read from a
 * tracked array the expression it came from (a `Sym`). What it records, in program order, is a
 * path (`PathOp[]`): the reads of tracked arrays (each a numbered temporary), the tests the code
 * branched on with the outcome it took (guards), the writes, the counters bumped and the calls
 * of residual functions. Replaying the path on another state whose guards all hold does
 * exactly what the traced code would do there, because the code's control flow on it is the
 * same: that is what paths.ts compiles.
 *
 * Simplifications kept sound: a test already passed on the path is not tested again, nor its
 * negation (=== against !==, a test against its `!`); a value fixed by a guard (`concrete`, or
 * a boolean a branch tested) is a constant afterwards, and expressions over constants are
 * computed, not written out; a read of a byte not written since reuses its temporary; `x & 0`,
 * `x | 0` and the like fold; constants added to or taken from a value fold into one (`(P * 9) +
 * 13`, an offset of an input), and a write leaves the reads at the same root plus another
 * constant as they are (other bytes, whatever the root's value). Values read from a tracked
 * array are never NaN, so `Number.isNaN` of one is false without a guard.
 */

/** a traced value: its concrete value and the expression (over temporaries) that computes it */
export class Sym {
  /** a guard on the path fixed the value (`e` is its literal): operations on it compute, as on a constant */
  fixed = false;
  /** the expression of the test's negation, where it is one (=== and !==, !): a guard on one settles both */
  neg: string | null = null;
  /** the value is root + k (root an expression over inputs and temporaries): constants added later fold into k */
  root: string | null = null;
  k = 0;
  constructor(
    public e: string,
    readonly v: number | boolean,
  ) {}
  valueOf(): never {
    throw new Error(`tracing build: a traced value (${this.e}) reached code that was not transformed`);
  }
  toString(): string {
    return String(this.v);
  }
}
/** a counter's value, read to be incremented (the only use a counter may have) */
class CounterRead {
  constructor(
    readonly arr: unknown,
    readonly idx: unknown,
  ) {}
}
class CounterInc {
  constructor(
    readonly read: CounterRead,
    readonly by: unknown,
  ) {}
}

export type PathOp =
  | { readonly k: 'read'; readonly t: string; readonly a: string; readonly i: string }
  | { readonly k: 'write'; readonly a: string; readonly i: string; readonly v: string }
  | { readonly k: 'guard'; readonly e: string; readonly want: boolean }
  | { readonly k: 'eq'; readonly e: string; readonly v: string }
  | { readonly k: 'inc'; readonly a: string; readonly i: string; readonly by: string }
  | { readonly k: 'call'; readonly t: string | null; readonly code: string };

type Value = unknown;
const val = (x: Value): unknown => (x instanceof Sym ? x.v : x);
/** x, or its value when a guard fixed it: a constant in the expressions built from it, which then fold */
const settled = (x: Value): Value => (x instanceof Sym && x.fixed ? x.v : x);
/** the `known` entry of a test of e whose outcome is `want` */
const testKey = (e: string, want: boolean): string => `${want}|${e}`;
const isConst = (e: string): boolean => /^(\(?-?\d+\)?|true|false)$/.test(e);
const lit = (x: Value): string => {
  if (x instanceof Sym) return x.e;
  if (typeof x === 'number') return Object.is(x, -0) ? '0' : x < 0 ? `(${x})` : String(x);
  if (typeof x === 'boolean' || x === undefined || x === null) return String(x);
  throw new Error(`tracing build: cannot write a ${typeof x} into a path`);
};
/* eslint-disable eqeqeq -- the operators are the traced code's own */
const BIN: Record<string, (a: never, b: never) => unknown> = {
  '+': (a: number, b: number) => a + b,
  '-': (a: number, b: number) => a - b,
  '*': (a: number, b: number) => a * b,
  '/': (a: number, b: number) => a / b,
  '%': (a: number, b: number) => a % b,
  '&': (a: number, b: number) => a & b,
  '|': (a: number, b: number) => a | b,
  '^': (a: number, b: number) => a ^ b,
  '<<': (a: number, b: number) => a << b,
  '>>': (a: number, b: number) => a >> b,
  '>>>': (a: number, b: number) => a >>> b,
  '<': (a: number, b: number) => a < b,
  '<=': (a: number, b: number) => a <= b,
  '>': (a: number, b: number) => a > b,
  '>=': (a: number, b: number) => a >= b,
  '===': (a: unknown, b: unknown) => a === b,
  '!==': (a: unknown, b: unknown) => a !== b,
  '==': (a: unknown, b: unknown) => a == b,
  '!=': (a: unknown, b: unknown) => a != b,
};
/* eslint-enable eqeqeq */
const UN: Record<string, (a: never) => unknown> = { '!': (a: unknown) => !a, '-': (a: number) => -a, '~': (a: number) => ~a, '+': (a: unknown) => +(a as number) };

/** x op k or k op x with k a constant that makes a new expression needless, else undefined */
const fold = (op: string, a: Value, b: Value): Value => {
  const constLeft = !(a instanceof Sym);
  const k = constLeft ? a : b;
  const x = constLeft ? b : a;
  if (typeof k !== 'number') return undefined;
  if (op === '&' && k === 0) return 0;
  if (op === '&' && k === -1) return x;
  if ((op === '|' || op === '^' || op === '+') && k === 0) return x;
  if (op === '*' && k === 1) return x;
  if (op === '*' && k === 0) return 0;
  if (!constLeft && (op === '-' || op === '<<' || op === '>>') && k === 0) return x;
  return undefined;
};

/** x + c, x - c, c + x for a number c and a numeric traced x: one sum of x's root and a constant */
const shift = (op: string, a: Value, b: Value): Sym | undefined => {
  if (op !== '+' && op !== '-') return undefined;
  const [x, c] = a instanceof Sym ? [a, b] : op === '+' ? [b as Sym, a] : [null, null];
  if (x === null || typeof c !== 'number' || typeof x.v !== 'number') return undefined;
  const root = x.root ?? x.e;
  const k = (x.root === null ? 0 : x.k) + (op === '+' ? c : -c);
  const y = new Sym(k === 0 ? root : k < 0 ? `(${root} - ${-k})` : `(${root} + ${k})`, op === '+' ? x.v + c : x.v - c);
  y.root = root;
  y.k = k;
  return y;
};

/** an index as root + k (root null: the constant k) */
const rootOf = (i: Value): [string | null, number] => {
  const x = settled(i);
  if (!(x instanceof Sym)) return [null, x as number];
  return x.root === null ? [x.e, 0] : [x.root, x.k];
};

/** a read of a tracked byte not written since, with its index as rootOf gives it */
interface CachedRead {
  readonly sym: Sym;
  readonly arr: unknown;
  readonly root: string | null;
  readonly k: number;
}

interface Tracked {
  readonly name: string;
  readonly counter: boolean;
}

export class Tracer {
  private on = false;
  private ops: PathOp[] = [];
  private temps = 0;
  /** guards on this path, as testKey(expr, want) and `eq|expr|value` */
  private known = new Set<string>();
  /** reads of tracked bytes not written since: `A[i]` → its temporary */
  private cse = new Map<string, CachedRead>();
  /** traced values written into untracked typed arrays (the decider's own scratch) */
  private shadow = new Map<unknown, Map<number, Sym>>();
  // weak: a model's arrays are let go with the model, though the tracer is the thread's
  private readonly tracked = new WeakMap<object, Tracked>();
  private readonly named = new WeakMap<object, string>();

  /** Reads and writes of arr are part of paths, under this name (a counter: only ever incremented). */
  track(arr: ArrayLike<number>, name: string, counter = false): void {
    this.tracked.set(arr, { name, counter });
  }
  /** An object passed to residual functions, known by this name in generated code. */
  name(obj: object, name: string): void {
    this.named.set(obj, name);
  }

  begin(): void {
    this.on = true;
    this.ops = [];
    this.temps = 0;
    this.known = new Set();
    this.cse = new Map();
    this.shadow = new Map();
  }
  end(): PathOp[] {
    this.on = false;
    const ops = this.ops;
    this.ops = [];
    return ops;
  }
  /** A traced input that is not in an array (the path's parameter `name`). */
  input(name: string, v: number): Sym {
    return new Sym(name, v);
  }

  private guard(e: string, want: boolean): void {
    const key = testKey(e, want);
    if (this.known.has(key)) return;
    this.known.add(key);
    this.ops.push({ k: 'guard', e, want });
  }
  /** The concrete value of x, with a guard that it is that value; x is a constant from here on. */
  concrete(x: Value): unknown {
    if (!(x instanceof Sym)) return x;
    if (!isConst(x.e)) {
      const key = `eq|${x.e}|${lit(x.v)}`;
      if (!this.known.has(key)) {
        this.known.add(key);
        this.ops.push({ k: 'eq', e: x.e, v: lit(x.v) });
      }
      x.e = lit(x.v);
    }
    x.fixed = true;
    return x.v;
  }

  b(op: string, left: Value, right: Value): Value {
    const a = settled(left);
    const b = settled(right);
    if (!(a instanceof Sym) && !(b instanceof Sym)) {
      if (a instanceof CounterRead && op === '+') return new CounterInc(a, b);
      if (a instanceof CounterRead || b instanceof CounterRead) throw new Error('tracing build: a counter used other than to increment it');
      return BIN[op](a as never, b as never);
    }
    const folded = fold(op, a, b);
    if (folded !== undefined) return folded;
    const shifted = shift(op, a, b);
    if (shifted !== undefined) return shifted;
    const la = lit(a);
    const lb = lit(b);
    const x = new Sym(`(${la} ${op} ${lb})`, BIN[op](val(a) as never, val(b) as never) as number | boolean);
    if (op === '===' || op === '!==') x.neg = `(${la} ${op === '===' ? '!==' : '==='} ${lb})`;
    return x;
  }
  u(op: string, operand: Value): Value {
    const x = settled(operand);
    if (!(x instanceof Sym)) return UN[op](x as never);
    const y = new Sym(`(${op}${x.e})`, UN[op](x.v as never) as number | boolean);
    if (op === '!') y.neg = x.e;
    return y;
  }
  /** a test the code branches on */
  c(x: Value): unknown {
    if (!(x instanceof Sym)) return x;
    const t = !!x.v;
    if (isConst(x.e)) return t;
    // the negation's outcome known: this test is settled (and once tested, so is the negation)
    if (x.neg === null) this.guard(x.e, t);
    else if (!this.known.has(testKey(x.neg, !t))) {
      this.guard(x.e, t);
      this.known.add(testKey(x.neg, !t));
    }
    if (typeof x.v === 'boolean') {
      x.e = String(t);
      x.fixed = true;
    }
    return t;
  }
  k(x: Value): unknown {
    return this.concrete(x);
  }
  and(a: Value, right: () => Value): Value {
    return this.c(a) ? right() : a;
  }
  or(a: Value, right: () => Value): Value {
    return this.c(a) ? a : right();
  }
  nc(a: Value, right: () => Value): Value {
    return a instanceof Sym ? a : (a ?? right());
  }

  r(arr: Record<number, unknown>, i: Value): Value {
    if (!this.on) return arr[i as number];
    const t = this.tracked.get(arr);
    if (t) {
      if (t.counter) return new CounterRead(arr, i);
      // the index stays an expression: a path then serves every state where it reads the same way
      const key = `${t.name}[${lit(i)}]`;
      const hit = this.cse.get(key);
      if (hit !== undefined) return hit.sym;
      const sym = new Sym(`t${this.temps++}`, arr[val(i) as number] as number);
      this.ops.push({ k: 'read', t: sym.e, a: t.name, i: lit(i) });
      const [root, k] = rootOf(i);
      this.cse.set(key, { sym, arr, root, k });
      return sym;
    }
    const idx = this.concrete(i) as number;
    const sh = this.shadow.get(arr);
    if (sh !== undefined && sh.has(idx)) return sh.get(idx);
    return arr[idx];
  }
  w(arr: Record<number, unknown>, i: Value, v: Value): Value {
    if (!this.on) {
      arr[i as number] = v;
      return v;
    }
    const t = this.tracked.get(arr);
    if (t) {
      const idx = val(i) as number;
      if (t.counter) {
        if (!(v instanceof CounterInc) || v.read.arr !== arr || val(v.read.idx) !== idx) throw new Error('tracing build: a counter written other than by ++');
        this.ops.push({ k: 'inc', a: t.name, i: lit(i), by: lit(v.by) });
        (arr as Record<number, number>)[idx] += val(v.by) as number;
        return v;
      }
      this.ops.push({ k: 'write', a: t.name, i: lit(i), v: lit(v) });
      // a read at another index expression may be this byte, unless both are one root plus different constants
      const [root, k] = rootOf(i);
      for (const [key, at] of this.cse) if (at.arr === arr && (at.root !== root || at.k === k)) this.cse.delete(key);
      arr[idx] = val(v);
      return v;
    }
    const idx = this.concrete(i) as number;
    if (Array.isArray(arr)) {
      arr[idx] = v;
      return v;
    }
    let sh = this.shadow.get(arr);
    if (v instanceof Sym) {
      if (!sh) this.shadow.set(arr, (sh = new Map()));
      sh.set(idx, v);
    } else sh?.delete(idx);
    arr[idx] = val(v);
    return v;
  }

  /** a residual function: called as it is, on the path as in the traced run */
  res(name: string, fn: (...a: unknown[]) => unknown, args: Value[]): Value {
    if (!this.on) return fn(...args);
    const rendered = args.map((x) => {
      if (x instanceof Sym || typeof x !== 'object' || x === null) return lit(x);
      const n = this.tracked.get(x)?.name ?? this.named.get(x);
      if (n === undefined) throw new Error(`tracing build: residual ${name} is passed an object the path cannot name`);
      return n;
    });
    this.on = false;
    const result = fn(...args.map(val));
    this.on = true;
    // it may have written tracked bytes: later reads read again
    this.cse.clear();
    const code = `R.${name}(${rendered.join(', ')})`;
    if (result === undefined) {
      this.ops.push({ k: 'call', t: null, code });
      return undefined;
    }
    const t = `t${this.temps++}`;
    this.ops.push({ k: 'call', t, code });
    return new Sym(t, result as number | boolean);
  }
  /** new Function(...): the body is a string the transform cannot see, so its arguments are fixed by guards */
  fn(...a: string[]): (...args: Value[]) => unknown {
    const f = new Function(...a) as (...args: unknown[]) => unknown;
    return (...args: Value[]) => f(...args.map((x) => this.concrete(x)));
  }

  Math_max(...a: Value[]): Value {
    return a.some((x) => x instanceof Sym) ? new Sym(`Math.max(${a.map(lit).join(', ')})`, Math.max(...(a.map(val) as number[]))) : Math.max(...(a as number[]));
  }
  Math_min(...a: Value[]): Value {
    return a.some((x) => x instanceof Sym) ? new Sym(`Math.min(${a.map(lit).join(', ')})`, Math.min(...(a.map(val) as number[]))) : Math.min(...(a as number[]));
  }
  Math_imul(a: Value, b: Value): Value {
    return a instanceof Sym || b instanceof Sym ? new Sym(`Math.imul(${lit(a)}, ${lit(b)})`, Math.imul(val(a) as number, val(b) as number)) : Math.imul(a as number, b as number);
  }
  Math_floor(a: Value): Value {
    return a instanceof Sym ? new Sym(`Math.floor(${a.e})`, Math.floor(a.v as number)) : Math.floor(a as number);
  }
  Math_abs(a: Value): Value {
    return a instanceof Sym ? new Sym(`Math.abs(${a.e})`, Math.abs(a.v as number)) : Math.abs(a as number);
  }
  Number_isNaN(a: Value): boolean {
    return a instanceof Sym ? false : Number.isNaN(a);
  }
}

/** The tracer of this thread: the transformed code calls it as the global `$T`. */
export const tracer = new Tracer();
(globalThis as unknown as { $T: Tracer }).$T = tracer;
