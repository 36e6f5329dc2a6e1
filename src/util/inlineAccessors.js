/**
 * Inlines the bundle's one-expression accessors at their call sites: `vflags(L, s, p, v)`
 * becomes `(s[(HDR + (p) * (L).procBytes + 1 + 4 * (v))])`. bin/bundle.js runs it on every
 * bundle it writes.
 *
 * Why: the state is read and written through small functions (src/state/access.ts,
 * src/state/layout.ts, the PTE and match codecs) that name each field once. V8's optimizing
 * compiler inlines them, but until it has compiled a function, every accessor it calls is a
 * call of its own in the interpreter and the baseline tier, and a short search, or the first
 * levels of a long one, runs mostly there (docs/performance.md §10.30).
 *
 * What is inlined: a top-level `var f = (a, b) => expression` of the project's code in the
 * bundle (not an npm package's), never assigned again, whose expression is made of its
 * parameters, top-level names, literals, property and element reads, operators without side
 * effects (no assignment, `++`, `--`, `delete`, comma), `?:`, and calls of other such functions
 * (expanded first; a cycle is not inlined). A call `f(x, y)` is replaced when:
 * - its arguments are pure: names, literals, `this`, reads (the project's getters change
 *   nothing), those operators, and calls of such functions (expanded in turn), so evaluating them
 *   in the body's order instead of the call's cannot change anything;
 * - an argument whose parameter the body uses more than once, or never, is a name, a literal or
 *   `this` (what may be evaluated twice, or not at all);
 * - no name the body uses, nor `f`, nor a function an argument calls, is declared anywhere in the
 *   outermost function or class around the call (it would name something else there).
 * Every other call, and every definition, is left as it was.
 *
 * Plain JavaScript (typed by inlineAccessors.d.ts), because bin/bundle.js runs before any
 * TypeScript loader; the caller passes the TypeScript compiler module.
 */

/**
 * @param {typeof import('typescript')} ts
 * @param {string} code an ES module (a bundle: one top-level scope)
 * @returns {{ code: string, inlined: Record<string, number> }}
 */
export const inlineAccessors = (ts, code) => {
  const sf = ts.createSourceFile('bundle.mjs', code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const K = ts.SyntaxKind;

  // the top-level statements of the project's own modules: esbuild opens each module's code
  // with a comment naming its file, and the npm packages' files are under node_modules/
  const own = new Set();
  let inPackage = false;
  for (const st of sf.statements) {
    for (const c of ts.getLeadingCommentRanges(code, st.pos) ?? []) {
      const m = /^\/\/ ([\w@.-]+(?:\/[\w@.-]+)+)$/.exec(code.slice(c.pos, c.end));
      if (m) inPackage = m[1].startsWith('node_modules/') || m[1].includes('/node_modules/');
    }
    if (!inPackage) own.add(st);
  }

  // top-level names, and the candidate definitions among them (in the project's modules)
  const topLevel = new Set();
  const defs = new Map();
  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) {
      if (st.name) topLevel.add(st.name.text);
      continue;
    }
    if (!ts.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) {
      if (!ts.isIdentifier(d.name)) continue;
      topLevel.add(d.name.text);
      const f = d.initializer;
      if (!own.has(st)) continue;
      if (!f || !ts.isArrowFunction(f) || ts.isBlock(f.body) || f.typeParameters) continue;
      if (f.modifiers?.length) continue; // async
      if (!f.parameters.every((p) => ts.isIdentifier(p.name) && !p.initializer && !p.dotDotDotToken)) continue;
      defs.set(d.name.text, { params: f.parameters.map((p) => p.name.text), body: f.body, node: d });
    }
  }
  for (const st of sf.statements) if (ts.isImportDeclaration(st)) ts.forEachChild(st, function names(n) {
    if (ts.isIdentifier(n)) topLevel.add(n.text);
    ts.forEachChild(n, names);
  });

  // a name assigned anywhere other than its definition is not a candidate (only the project's
  // modules can name the project's top-level bindings: esbuild keeps each module's names apart)
  const visitAssignments = (n) => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= K.FirstAssignment && n.operatorToken.kind <= K.LastAssignment && ts.isIdentifier(n.left)) defs.delete(n.left.text);
    if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === K.PlusPlusToken || n.operator === K.MinusMinusToken) && ts.isIdentifier(n.operand)) defs.delete(n.operand.text);
    ts.forEachChild(n, visitAssignments);
  };
  for (const st of own) visitAssignments(st);

  const PURE_BINARY = new Set([
    K.PlusToken, K.MinusToken, K.AsteriskToken, K.SlashToken, K.PercentToken, K.AsteriskAsteriskToken,
    K.AmpersandToken, K.BarToken, K.CaretToken, K.LessThanLessThanToken, K.GreaterThanGreaterThanToken, K.GreaterThanGreaterThanGreaterThanToken,
    K.LessThanToken, K.LessThanEqualsToken, K.GreaterThanToken, K.GreaterThanEqualsToken,
    K.EqualsEqualsEqualsToken, K.ExclamationEqualsEqualsToken, K.EqualsEqualsToken, K.ExclamationEqualsToken,
    K.AmpersandAmpersandToken, K.BarBarToken, K.QuestionQuestionToken,
  ]);
  const PURE_UNARY = new Set([K.MinusToken, K.PlusToken, K.TildeToken, K.ExclamationToken]);
  const isLiteral = (n) => ts.isNumericLiteral(n) || ts.isStringLiteral(n) || n.kind === K.TrueKeyword || n.kind === K.FalseKeyword || n.kind === K.NullKeyword;

  /**
   * An expression without side effects (a body's, when `calls` admits calls of candidates):
   * names, literals, `this` (`allowThis`), reads, operators and `?:`.
   */
  const pure = (n, calls, allowThis) => {
    if (ts.isIdentifier(n) || isLiteral(n)) return true;
    if (n.kind === K.ThisKeyword) return allowThis;
    if (ts.isParenthesizedExpression(n)) return pure(n.expression, calls, allowThis);
    if (ts.isPropertyAccessExpression(n)) return !n.questionDotToken && ts.isIdentifier(n.name) && pure(n.expression, calls, allowThis);
    if (ts.isElementAccessExpression(n)) return !n.questionDotToken && pure(n.expression, calls, allowThis) && pure(n.argumentExpression, calls, allowThis);
    if (ts.isBinaryExpression(n)) return PURE_BINARY.has(n.operatorToken.kind) && pure(n.left, calls, allowThis) && pure(n.right, calls, allowThis);
    if (ts.isPrefixUnaryExpression(n)) return PURE_UNARY.has(n.operator) && pure(n.operand, calls, allowThis);
    if (ts.isConditionalExpression(n)) return pure(n.condition, calls, allowThis) && pure(n.whenTrue, calls, allowThis) && pure(n.whenFalse, calls, allowThis);
    if (ts.isCallExpression(n) && calls) return !n.questionDotToken && ts.isIdentifier(n.expression) && defs.has(n.expression.text) && n.arguments.every((a) => pure(a, calls, allowThis));
    return false;
  };
  /** A name, a literal or `this`: what may be evaluated twice, or not at all, in place of once. */
  const trivial = (n) => ts.isIdentifier(n) || isLiteral(n) || n.kind === K.ThisKeyword || (ts.isParenthesizedExpression(n) && trivial(n.expression));

  for (const [name, d] of [...defs]) if (!pure(d.body, true, false)) defs.delete(name);
  // a definition that calls a name no longer a candidate is not one either (until nothing changes)
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, d] of [...defs])
      if (!pure(d.body, true, false)) {
        defs.delete(name);
        changed = true;
      }
  }

  /** The identifiers of an expression that are names (not property names), with their nodes. */
  const namesIn = (n, out = []) => {
    if (ts.isIdentifier(n)) out.push(n);
    else if (ts.isPropertyAccessExpression(n)) namesIn(n.expression, out);
    else ts.forEachChild(n, (c) => namesIn(c, out));
    return out;
  };

  /**
   * Each candidate's body text with the candidates it calls expanded, its parameters as
   * `\u0000i\u0000` placeholders; the top-level names it uses; the times it uses each parameter.
   * null: not expandable (a cycle, a call that cannot be inlined, a name that is neither).
   */
  const expanded = new Map();
  const expanding = new Set();
  const expand = (name) => {
    if (expanded.has(name)) return expanded.get(name);
    if (expanding.has(name)) return null;
    expanding.add(name);
    const d = defs.get(name);
    let result = null;
    const free = new Set();
    const text = (n) => {
      if (ts.isIdentifier(n)) {
        const i = d.params.indexOf(n.text);
        if (i >= 0) return `\u0000${i}\u0000`;
        if (!topLevel.has(n.text)) throw new Error(`not inlinable: ${n.text}`);
        free.add(n.text);
        return n.text;
      }
      if (ts.isCallExpression(n)) {
        const callee = expand(n.expression.text);
        if (callee === null || callee.params !== n.arguments.length) throw new Error('not inlinable: call');
        const args = n.arguments.map(text);
        callee.free.forEach((f) => free.add(f));
        n.arguments.forEach((a, i) => {
          if (callee.uses[i] !== 1 && !trivial(a)) throw new Error('not inlinable: argument used twice');
        });
        return `(${callee.text.replace(/\u0000(\d+)\u0000/g, (_, i) => `(${args[+i]})`)})`;
      }
      // copy the node's text, with its children that are names or calls replaced
      let out = '';
      let at = n.getStart(sf);
      const end = n.getEnd();
      const visit = (c) => {
        if (ts.isIdentifier(c) || ts.isCallExpression(c)) {
          out += code.slice(at, c.getStart(sf)) + text(c);
          at = c.getEnd();
        } else if (ts.isPropertyAccessExpression(c)) {
          visit(c.expression);
        } else ts.forEachChild(c, visit);
      };
      ts.forEachChild(n, visit);
      return out + code.slice(at, end);
    };
    try {
      const body = text(d.body);
      const uses = d.params.map((_, i) => body.split(`\u0000${i}\u0000`).length - 1);
      result = { text: body, free, uses, params: d.params.length };
    } catch {
      result = null;
    }
    expanding.delete(name);
    expanded.set(name, result);
    return result;
  };
  for (const name of defs.keys()) expand(name);

  /** The names declared in the outermost function or class around node n (parameters and declarations anywhere in it). */
  const declaredIn = new Map();
  const declaredAround = (n) => {
    let outermost = null;
    for (let p = n.parent; p && p !== sf; p = p.parent) if (ts.isFunctionLike(p) || ts.isClassLike(p)) outermost = p;
    if (outermost === null) return new Set();
    const known = declaredIn.get(outermost);
    if (known) return known;
    const names = new Set();
    const collect = (c) => {
      if ((ts.isVariableDeclaration(c) || ts.isParameter(c) || ts.isBindingElement(c)) && c.name) collectBinding(c.name);
      else if ((ts.isFunctionDeclaration(c) || ts.isClassDeclaration(c) || ts.isFunctionExpression(c) || ts.isClassExpression(c)) && c.name) names.add(c.name.text);
      else if (ts.isCatchClause(c) && c.variableDeclaration) collectBinding(c.variableDeclaration.name);
      ts.forEachChild(c, collect);
    };
    const collectBinding = (b) => {
      if (ts.isIdentifier(b)) names.add(b.text);
      else b.elements.forEach((e) => !ts.isOmittedExpression(e) && collectBinding(e.name));
    };
    collect(outermost);
    declaredIn.set(outermost, names);
    return names;
  };

  // the call sites, outside every candidate's own definition
  const edits = [];
  const inlined = {};
  const definitionOf = new Set([...defs.values()].map((d) => d.node));
  /** The expansion of call n, if it can replace the call where it stands. */
  const expansionAt = (n) => {
    if (!ts.isCallExpression(n) || !ts.isIdentifier(n.expression) || n.questionDotToken) return null;
    const name = n.expression.text;
    const e = defs.has(name) ? expanded.get(name) : null;
    if (!e || e.params !== n.arguments.length) return null;
    const around = declaredAround(n);
    if (around.has(name) || [...e.free].some((x) => around.has(x))) return null;
    // an argument may call candidates (pure, as their bodies are) that no name around the call hides
    const hidden = (a) => (ts.isCallExpression(a) && around.has(a.expression.text)) || (ts.forEachChild(a, hidden) ?? false);
    return n.arguments.every((a, i) => pure(a, true, true) && !hidden(a) && (e.uses[i] === 1 || trivial(a))) ? e : null;
  };
  /** The text of call n with its expansion in place, and each argument's own calls expanded. */
  const expandAt = (n, e) => {
    inlined[n.expression.text] = (inlined[n.expression.text] ?? 0) + 1;
    const args = n.arguments.map(rewrite);
    return `(${e.text.replace(/\u0000(\d+)\u0000/g, (_, i) => `(${args[+i]})`)})`;
  };
  /** The text of expression n with every call that can be expanded expanded. */
  const rewrite = (n) => {
    const e = expansionAt(n);
    if (e) return expandAt(n, e);
    let out = '';
    let at = n.getStart(sf);
    const visit = (c) => {
      const ce = expansionAt(c);
      if (ce) {
        out += code.slice(at, c.getStart(sf)) + expandAt(c, ce);
        at = c.getEnd();
      } else ts.forEachChild(c, visit);
    };
    ts.forEachChild(n, visit);
    return out + code.slice(at, n.getEnd());
  };
  const visitCalls = (n) => {
    if (definitionOf.has(n)) return;
    const e = expansionAt(n);
    if (e) edits.push([n.getStart(sf), n.getEnd(), expandAt(n, e)]);
    else ts.forEachChild(n, visitCalls);
  };
  for (const st of sf.statements) if (own.has(st)) visitCalls(st);

  const pieces = [];
  let at = 0;
  for (const [start, end, text] of edits.sort((a, b) => a[0] - b[0])) {
    pieces.push(code.slice(at, start), text);
    at = end;
  }
  pieces.push(code.slice(at));
  return { code: pieces.join(''), inlined };
};
