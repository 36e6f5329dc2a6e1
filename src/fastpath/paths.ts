/**
 * The paths traced for one action, merged into a tree and compiled into one JavaScript function
 * (a generated fast path). Two paths of the same action agree op for op until the first guard
 * whose outcome differs (the traced code is deterministic: same reads and tests, same control
 * flow), so the tree branches only at guards: an `if` for a test, a `switch` for a value fixed
 * by a guard. A state that leaves the tree (a guard with an outcome no traced path took)
 * returns BAIL: the caller restores its state and runs the general path, which traces the new
 * path. Counter increments are made at the leaf, once every guard has passed, so a bail leaves
 * no counter changed; the tracked bytes written before a bail are the caller's to restore.
 */
import type { PathOp } from './tracer.ts';

/** What a generated path returns when the state leaves the traced paths. */
export const BAIL = -1;

interface Node {
  readonly op: PathOp | null;
  readonly key: string;
  readonly children: Map<string, Node>;
  /** at a leaf: the value the path returns and its counter increments */
  leaf: { readonly result: number; readonly incs: readonly PathOp[] } | null;
}

const keyOf = (o: PathOp): string => {
  switch (o.k) {
    case 'read':
      return `r ${o.t}=${o.a}[${o.i}]`;
    case 'write':
      return `w ${o.a}[${o.i}]=${o.v}`;
    case 'guard':
      return `g ${o.want} ${o.e}`;
    case 'eq':
      return `q ${o.e} ${o.v}`;
    case 'call':
      return `c ${o.t}=${o.code}`;
    case 'inc':
      return `i ${o.a}[${o.i}]+=${o.by}`;
  }
};
/** what a branching op tests: the same for every child of a node that branches */
const subjectOf = (o: PathOp): string | null => (o.k === 'guard' ? `g ${o.e}` : o.k === 'eq' ? `q ${o.e}` : null);

const statement = (o: PathOp): string => {
  switch (o.k) {
    case 'read':
      return `const ${o.t} = ${o.a}[${o.i}];`;
    case 'write':
      return `${o.a}[${o.i}] = ${o.v};`;
    case 'guard':
      return `if (${o.want ? '!' : ''}(${o.e})) return ${BAIL};`;
    case 'eq':
      return `if ((${o.e}) !== ${o.v}) return ${BAIL};`;
    case 'call':
      return o.t === null ? `${o.code};` : `const ${o.t} = ${o.code};`;
    case 'inc':
      return `${o.a}[${o.i}] += ${o.by};`;
  }
};

export class PathTree {
  private readonly root: Node = { op: null, key: '', children: new Map(), leaf: null };
  /** distinct paths (leaves) */
  paths = 0;
  /** the length of the body last made */
  size = 0;

  /** Add a traced path that ended returning `result`; false when it was in the tree already. */
  add(ops: readonly PathOp[], result: number): boolean {
    let n = this.root;
    const incs: PathOp[] = [];
    for (const o of ops) {
      if (o.k === 'inc') {
        incs.push(o);
        continue;
      }
      const k = keyOf(o);
      let c = n.children.get(k);
      if (!c) {
        const sibling = n.children.size > 0 ? [...n.children.values()][0].op! : null;
        if (sibling && (subjectOf(sibling) === null || subjectOf(sibling) !== subjectOf(o)))
          throw new Error(`paths part without a guard: ${[...n.children.keys()][0]} | ${k}`);
        c = { op: o, key: k, children: new Map(), leaf: null };
        n.children.set(k, c);
      }
      n = c;
    }
    if (n.leaf) {
      if (n.leaf.result !== result || n.leaf.incs.map(keyOf).join() !== incs.map(keyOf).join()) throw new Error('one path, two outcomes');
      return false;
    }
    if (n.children.size > 0) throw new Error('a path ends where another goes on');
    n.leaf = { result, incs };
    this.paths++;
    return true;
  }

  /** The body of the function that runs the tree (its parameters are the caller's names). */
  body(): string {
    const out: string[] = [];
    this.emit(this.root, out);
    const body = out.join('\n');
    this.size = body.length;
    return body;
  }

  private emit(n: Node, out: string[]): void {
    if (n.leaf) {
      for (const o of n.leaf.incs) out.push(statement(o));
      out.push(`return ${n.leaf.result};`);
      return;
    }
    const cs = [...n.children.values()];
    if (cs.length === 0) {
      out.push(`return ${BAIL};`);
      return;
    }
    if (cs.length === 1) {
      out.push(statement(cs[0].op!));
      this.emit(cs[0], out);
      return;
    }
    const o0 = cs[0].op!;
    if (o0.k === 'guard') {
      const yes = cs.find((c) => c.op!.k === 'guard' && c.op!.want)!;
      const no = cs.find((c) => c.op!.k === 'guard' && !c.op!.want)!;
      out.push(`if (${o0.e}) {`);
      this.emit(yes, out);
      out.push('} else {');
      this.emit(no, out);
      out.push('}');
      return;
    }
    if (o0.k !== 'eq') throw new Error('a branch that is not a guard');
    out.push(`switch (${o0.e}) {`);
    for (const c of cs) {
      out.push(`case ${(c.op as { v: string }).v}: {`);
      this.emit(c, out);
      out.push('}');
    }
    out.push('}', `return ${BAIL};`);
  }
}
