/**
 * Inlines the bundle's one-expression accessors at their call sites: `vflags(L, s, p, v)`
 * becomes `((s)[(HDR + ((p)) * ((L)).procBytes + 1 + 4 * ((v)))])`, and `this.vmaState(p, vs)`
 * in a method of the Kernel class the body of that method. bin/bundle.js runs it on every bundle
 * it writes.
 *
 * Why: the state is read and written through small functions (src/state/access.ts,
 * src/state/layout.ts, the PTE and match codecs, the decider's one-line methods) that name each
 * field or rule once. V8's optimizing compiler inlines them, but until it has compiled a
 * function, every accessor it calls is a call of its own in the interpreter and the baseline
 * tier, and a short search, or the first levels of a long one, runs mostly there
 * (docs/performance.md §10.30).
 *
 * What is inlined, in the project's code of the bundle (not an npm package's):
 * - a top-level `var f = (a, b) => expression`, never assigned again;
 * - a method `m(a, b) { return expression; }` of a top-level class that no class extends, when no
 *   code assigns or deletes a property named `m` and the class has no other member named `m`;
 *   only its calls `this.m(...)` from the class's own methods (where `this` is the instance);
 * whose expression is made of its parameters, top-level names, `this` (methods), literals,
 * property and element reads, operators without side effects (no assignment, `++`, `--`,
 * `delete`, comma), `?:`, and calls of other such functions (expanded first; a cycle is not
 * inlined). A call is replaced when:
 * - its arguments are pure: names, literals, `this`, reads (the project's getters change
 *   nothing), those operators, and calls of such functions (expanded in turn), so evaluating them
 *   in the body's order instead of the call's cannot change anything;
 * - an argument whose parameter the body uses more than once, or never, is a name, a literal or
 *   `this` (what may be evaluated twice, or not at all);
 * - no name the body uses, nor `f`, nor a function an argument calls, is declared anywhere in the
 *   outermost function or class around the call (it would name something else there).
 * The definitions stay (calls inside them replaced by the same rules); every other call is left
 * as it was.
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

  const plainParams = (f) => f.parameters.every((p) => ts.isIdentifier(p.name) && !p.initializer && !p.dotDotDotToken);
  const isStatic = (m) => (m.modifiers ?? []).some((x) => x.kind === K.StaticKeyword);

  /**
   * The candidates, by key: a top-level function by its name, a method by `<class>#<name>`; each
   * with its parameters, its expression, the node that defines it, the class whose `this` its
   * expression may read (methods), and the name calls are counted under.
   */
  const defs = new Map();
  const topLevel = new Set();
  /** the project's top-level classes: node → name */
  const classes = new Map();
  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) {
      if (st.name) topLevel.add(st.name.text);
      if (ts.isClassDeclaration(st) && st.name && own.has(st)) classes.set(st, st.name.text);
      continue;
    }
    if (!ts.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) {
      if (!ts.isIdentifier(d.name)) continue;
      topLevel.add(d.name.text);
      const f = d.initializer;
      if (!own.has(st) || !f) continue;
      if (ts.isClassExpression(f)) classes.set(f, d.name.text);
      if (!ts.isArrowFunction(f) || ts.isBlock(f.body) || f.modifiers?.length || !plainParams(f)) continue;
      defs.set(d.name.text, { params: f.parameters.map((p) => p.name.text), body: f.body, node: d, cls: null, name: d.name.text });
    }
  }
  for (const st of sf.statements)
    if (ts.isImportDeclaration(st))
      ts.forEachChild(st, function names(n) {
        if (ts.isIdentifier(n)) topLevel.add(n.text);
        ts.forEachChild(n, names);
      });

  // what disqualifies: a top-level name assigned again (only the project's modules can name the
  // project's bindings: esbuild keeps each module's names apart); a property of a method's name
  // assigned or deleted anywhere; a class that a class extends
  const assignedNames = new Set();
  const assignedProperties = new Set();
  const extended = new Set();
  const target = (n) => {
    if (ts.isIdentifier(n)) assignedNames.add(n.text);
    else if (ts.isPropertyAccessExpression(n)) assignedProperties.add(n.name.text);
    else if (ts.isElementAccessExpression(n) && ts.isStringLiteral(n.argumentExpression)) assignedProperties.add(n.argumentExpression.text);
  };
  const visitWrites = (n) => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= K.FirstAssignment && n.operatorToken.kind <= K.LastAssignment) target(n.left);
    else if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === K.PlusPlusToken || n.operator === K.MinusMinusToken)) target(n.operand);
    else if (ts.isDeleteExpression(n)) target(n.expression);
    else if (ts.isHeritageClause(n) && n.token === K.ExtendsKeyword) n.types.forEach((t) => ts.isIdentifier(t.expression) && extended.add(t.expression.text));
    ts.forEachChild(n, visitWrites);
  };
  visitWrites(sf);
  for (const name of assignedNames) defs.delete(name);

  const classKey = new Map();
  for (const [cls, name] of classes) {
    if (extended.has(name) || (cls.name && extended.has(cls.name.text))) continue;
    const key = `${classKey.size}`;
    classKey.set(cls, key);
    const members = new Map();
    for (const m of cls.members) if (m.name && ts.isIdentifier(m.name)) members.set(m.name.text, (members.get(m.name.text) ?? 0) + 1);
    for (const m of cls.members) {
      if (!ts.isMethodDeclaration(m) || !ts.isIdentifier(m.name) || m.asteriskToken || m.modifiers?.length || !plainParams(m)) continue;
      if (members.get(m.name.text) !== 1 || assignedProperties.has(m.name.text)) continue;
      const body = m.body?.statements;
      if (!body || body.length !== 1 || !ts.isReturnStatement(body[0]) || !body[0].expression) continue;
      defs.set(`${key}#${m.name.text}`, { params: m.parameters.map((p) => p.name.text), body: body[0].expression, node: m, cls, name: `${name}.${m.name.text}` });
    }
  }

  /** The candidate a call names: a top-level function, or a method of `cls` called on `this`. */
  const calleeOf = (n, cls) => {
    if (!ts.isCallExpression(n) || n.questionDotToken) return null;
    const f = n.expression;
    if (ts.isIdentifier(f)) {
      const d = defs.get(f.text);
      return d && d.cls === null ? f.text : null;
    }
    if (cls && ts.isPropertyAccessExpression(f) && !f.questionDotToken && f.expression.kind === K.ThisKeyword && ts.isIdentifier(f.name)) {
      const key = `${classKey.get(cls)}#${f.name.text}`;
      return defs.has(key) ? key : null;
    }
    return null;
  };

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
   * An expression without side effects: names, literals, `this` (when `cls` is the class `this`
   * is an instance of, or `allowThis`), reads, operators, `?:`, and calls of candidates.
   */
  const pure = (n, cls, allowThis) => {
    if (ts.isIdentifier(n) || isLiteral(n)) return true;
    if (n.kind === K.ThisKeyword) return allowThis || cls !== null;
    if (ts.isParenthesizedExpression(n)) return pure(n.expression, cls, allowThis);
    if (ts.isPropertyAccessExpression(n)) return !n.questionDotToken && ts.isIdentifier(n.name) && pure(n.expression, cls, allowThis);
    if (ts.isElementAccessExpression(n)) return !n.questionDotToken && pure(n.expression, cls, allowThis) && pure(n.argumentExpression, cls, allowThis);
    if (ts.isBinaryExpression(n)) return PURE_BINARY.has(n.operatorToken.kind) && pure(n.left, cls, allowThis) && pure(n.right, cls, allowThis);
    if (ts.isPrefixUnaryExpression(n)) return PURE_UNARY.has(n.operator) && pure(n.operand, cls, allowThis);
    if (ts.isConditionalExpression(n)) return pure(n.condition, cls, allowThis) && pure(n.whenTrue, cls, allowThis) && pure(n.whenFalse, cls, allowThis);
    if (ts.isCallExpression(n)) return calleeOf(n, cls) !== null && n.arguments.every((a) => pure(a, cls, allowThis));
    return false;
  };
  /** A name, a literal or `this`: what may be evaluated twice, or not at all, in place of once. */
  const trivial = (n) => ts.isIdentifier(n) || isLiteral(n) || n.kind === K.ThisKeyword || (ts.isParenthesizedExpression(n) && trivial(n.expression));

  // a definition whose expression is not pure, or calls one that is not, is not a candidate
  for (let changed = true; changed; ) {
    changed = false;
    for (const [key, d] of [...defs])
      if (!pure(d.body, d.cls, false)) {
        defs.delete(key);
        changed = true;
      }
  }

  /**
   * Each candidate's expression as text, the candidates it calls expanded and its parameters as
   * `\u0000i\u0000` placeholders, with the top-level names it uses and the times it uses each
   * parameter. null: not expandable (a cycle, a call it cannot take in, a name that is neither
   * a parameter nor top-level).
   */
  const expanded = new Map();
  const expanding = new Set();
  const substitute = (e, args) => `(${e.text.replace(/\u0000(\d+)\u0000/g, (_, i) => `(${args[+i]})`)})`;
  const expand = (key) => {
    if (expanded.has(key)) return expanded.get(key);
    if (expanding.has(key)) return null;
    expanding.add(key);
    const d = defs.get(key);
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
        const callee = expand(calleeOf(n, d.cls));
        if (callee === null || callee.params !== n.arguments.length) throw new Error('not inlinable: call');
        n.arguments.forEach((a, i) => {
          if (callee.uses[i] !== 1 && !trivial(a)) throw new Error('not inlinable: argument used twice');
        });
        callee.free.forEach((f) => free.add(f));
        return substitute(callee, n.arguments.map(text));
      }
      // a property's name is not a name in scope
      if (ts.isPropertyAccessExpression(n)) return text(n.expression) + code.slice(n.expression.getEnd(), n.getEnd());
      // the node's text, with its children that are names or calls replaced
      let out = '';
      let at = n.getStart(sf);
      const visit = (c) => {
        if (ts.isIdentifier(c) || ts.isCallExpression(c)) {
          out += code.slice(at, c.getStart(sf)) + text(c);
          at = c.getEnd();
        } else if (ts.isPropertyAccessExpression(c)) visit(c.expression);
        else ts.forEachChild(c, visit);
      };
      ts.forEachChild(n, visit);
      return out + code.slice(at, n.getEnd());
    };
    let result = null;
    try {
      const body = text(d.body);
      result = { text: body, free, uses: d.params.map((_, i) => body.split(`\u0000${i}\u0000`).length - 1), params: d.params.length };
    } catch {
      result = null;
    }
    expanding.delete(key);
    expanded.set(key, result);
    return result;
  };
  for (const key of defs.keys()) expand(key);

  /** The names declared in the outermost function or class around node n (parameters and declarations anywhere in it). */
  const declaredIn = new Map();
  const declaredAround = (n) => {
    let outermost = null;
    for (let p = n.parent; p && p !== sf; p = p.parent) if (ts.isFunctionLike(p) || ts.isClassLike(p)) outermost = p;
    if (outermost === null) return new Set();
    const known = declaredIn.get(outermost);
    if (known) return known;
    const names = new Set();
    const collectBinding = (b) => {
      if (ts.isIdentifier(b)) names.add(b.text);
      else b.elements.forEach((e) => !ts.isOmittedExpression(e) && collectBinding(e.name));
    };
    const collect = (c) => {
      if ((ts.isVariableDeclaration(c) || ts.isParameter(c) || ts.isBindingElement(c)) && c.name) collectBinding(c.name);
      else if ((ts.isFunctionDeclaration(c) || ts.isClassDeclaration(c) || ts.isFunctionExpression(c) || ts.isClassExpression(c)) && c.name) names.add(c.name.text);
      else if (ts.isCatchClause(c) && c.variableDeclaration) collectBinding(c.variableDeclaration.name);
      ts.forEachChild(c, collect);
    };
    collect(outermost);
    declaredIn.set(outermost, names);
    return names;
  };

  /**
   * The class whose instance `this` is at node n: n is in a method, constructor, accessor or
   * field initializer of a class (not static), arrow functions between them; null otherwise.
   */
  const thisClassAt = (n) => {
    for (let p = n.parent; p && p !== sf; p = p.parent) {
      if (ts.isArrowFunction(p)) continue;
      if (ts.isMethodDeclaration(p) || ts.isConstructorDeclaration(p) || ts.isGetAccessorDeclaration(p) || ts.isSetAccessorDeclaration(p) || ts.isPropertyDeclaration(p))
        return !isStatic(p) && classKey.has(p.parent) ? p.parent : null;
      if (ts.isFunctionLike(p) || ts.isClassLike(p) || ts.isClassStaticBlockDeclaration(p)) return null;
    }
    return null;
  };

  // the call sites (in the definitions too: a definition called from elsewhere is left in place)
  const edits = [];
  const inlined = {};
  /** The expansion of call n, if it can replace the call where it stands. */
  const expansionAt = (n) => {
    if (!ts.isCallExpression(n)) return null;
    const cls = thisClassAt(n);
    const key = calleeOf(n, cls);
    const e = key === null ? null : expanded.get(key);
    if (!e || e.params !== n.arguments.length) return null;
    const around = declaredAround(n);
    if ((ts.isIdentifier(n.expression) && around.has(n.expression.text)) || [...e.free].some((x) => around.has(x))) return null;
    // an argument may call candidates (pure, as their bodies are) that no name around the call hides
    const hidden = (a) => (ts.isCallExpression(a) && ts.isIdentifier(a.expression) && around.has(a.expression.text)) || (ts.forEachChild(a, hidden) ?? false);
    if (!n.arguments.every((a, i) => pure(a, cls, true) && !hidden(a) && (e.uses[i] === 1 || trivial(a)))) return null;
    return { e, name: defs.get(key).name };
  };
  /** The text of call n with its expansion in place, and each argument's own calls expanded. */
  const expandAt = (n, { e, name }) => {
    inlined[name] = (inlined[name] ?? 0) + 1;
    return substitute(e, n.arguments.map(rewrite));
  };
  /** The text of expression n with every call that can be expanded expanded. */
  const rewrite = (n) => {
    const x = expansionAt(n);
    if (x) return expandAt(n, x);
    let out = '';
    let at = n.getStart(sf);
    const visit = (c) => {
      const cx = expansionAt(c);
      if (cx) {
        out += code.slice(at, c.getStart(sf)) + expandAt(c, cx);
        at = c.getEnd();
      } else ts.forEachChild(c, visit);
    };
    ts.forEachChild(n, visit);
    return out + code.slice(at, n.getEnd());
  };
  const visitCalls = (n) => {
    const x = expansionAt(n);
    if (x) edits.push([n.getStart(sf), n.getEnd(), expandAt(n, x)]);
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
