/**
 * Inlines the bundle's one-expression accessors at their call sites: `vflags(L, s, p, v)`
 * becomes `((s)[(HDR + ((p)) * ((L)).procBytes + 1 + 4 * ((v)))])`, and `this.vmaState(p, vs)`
 * in a method of the Kernel class the body of that method; and copies the bodies of short
 * functions where their value is dropped, kept in a name or returned (`opSetPte(L, s, p, v, pte);`,
 * `const ve = vmaEndOf(L, s, p, v);`, `return takeEdge(T, st, ev);`).
 * bin/bundle.js runs it on every bundle it writes.
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
 *
 * And the bodies of functions: a top-level `var f = (a, b) => { statements }`, or a method
 * `m(a, b) { statements }` under the rules of methods above (or such a function of one
 * expression that cannot be expanded in place: one with an effect, `Math.max`, a cycle), is
 * copied where the call stands
 * - as a statement of its own (`f(x, y);`: its value dropped),
 * - as `return f(x, y);` or an arrow function's expression (`=> f(x, y)`: its value returned),
 * - as the one declaration of a `let` or `const` (`const z = f(x, y);`) or an assignment
 *   statement to a name (`z = f(x, y);`: its value given to the name; no local of the body, nor
 *   of a copy its return makes, has that name).
 * The copy is a block that binds the arguments, in order and once each as the call did, to
 * names of their own, then runs the body in a block inside it (its locals apart from the
 * arguments' names), its last statement's `return e` made `(e);`, `return (e);` or `z = (e);`
 * (`let z;` declared before the block): `{ let inl$3_0 = (x), inl$3_1 = (y); { ... } }`. When
 * that `e` is itself a call of such a function, its copy takes the `return`'s place. A body that
 * returns before its last statement is copied only where the call's value is returned, its
 * returns left as they are. The body has no function or class inside it, no `var`, label, object
 * literal or destructuring, no `arguments`, `super`, `yield` or `await`, `this` only in a
 * method, no local named like a parameter, and at most MAX_COPIED_BODY characters; the calls
 * in it are expanded and copied by these same rules first (a cycle is left a call). No name the
 * copy reads (top-level or global, its expanded calls' included), nor `f`, is declared in the
 * outermost function or class around the call.
 *
 * The definitions stay (calls inside them replaced by the same rules); every other call is left
 * as it was.
 *
 * Plain JavaScript (typed by inlineAccessors.d.ts), because bin/bundle.js runs before any
 * TypeScript loader; the caller passes the TypeScript compiler module.
 */

/**
 * The longest body (in characters of source) copied into its callers: a body copied
 * into every caller makes each caller larger, and V8 optimizes and inlines by size.
 */
const MAX_COPIED_BODY = 320;

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

  /** The names a binding pattern declares. */
  const bindingNames = (b) => (ts.isIdentifier(b) ? [b.text] : b.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : bindingNames(e.name))));
  const plainParams = (f) => f.parameters.every((p) => ts.isIdentifier(p.name) && !p.initializer && !p.dotDotDotToken);
  const isStatic = (m) => (m.modifiers ?? []).some((x) => x.kind === K.StaticKeyword);

  /**
   * The candidates, by key: a top-level function by its name, a method by `<class>#<name>`; each
   * with its parameters, its expression, the node that defines it, the class whose `this` its
   * expression may read (methods), and the name calls are counted under.
   */
  const defs = new Map();
  /** the functions whose body may be copied where their value is dropped, kept or returned (keyed as `defs`) */
  const bodyDefs = new Map();
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
      if (!ts.isIdentifier(d.name)) {
        bindingNames(d.name).forEach((x) => topLevel.add(x));
        continue;
      }
      topLevel.add(d.name.text);
      const f = d.initializer;
      if (!own.has(st) || !f) continue;
      if (ts.isClassExpression(f)) classes.set(f, d.name.text);
      if (!ts.isArrowFunction(f) || f.modifiers?.length || !plainParams(f)) continue;
      const def = { params: f.parameters.map((p) => p.name.text), body: f.body, node: d, cls: null, name: d.name.text };
      if (ts.isBlock(f.body)) bodyDefs.set(d.name.text, def);
      else defs.set(d.name.text, def);
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
  for (const name of assignedNames) {
    defs.delete(name);
    bodyDefs.delete(name);
  }

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
      if (!body) continue;
      const def = { params: m.parameters.map((p) => p.name.text), body: m.body, node: m, cls, name: `${name}.${m.name.text}` };
      if (body.length === 1 && ts.isReturnStatement(body[0]) && body[0].expression) defs.set(`${key}#${m.name.text}`, { ...def, body: body[0].expression });
      else bodyDefs.set(`${key}#${m.name.text}`, def);
    }
  }

  /** The candidate a call names: a top-level function, or a method of `cls` called on `this`. */
  const calleeOf = (n, cls, table = defs) => {
    if (!ts.isCallExpression(n) || n.questionDotToken) return null;
    const f = n.expression;
    if (ts.isIdentifier(f)) {
      const d = table.get(f.text);
      return d && d.cls === null ? f.text : null;
    }
    if (cls && ts.isPropertyAccessExpression(f) && !f.questionDotToken && f.expression.kind === K.ThisKeyword && ts.isIdentifier(f.name)) {
      const key = `${classKey.get(cls)}#${f.name.text}`;
      return table.has(key) ? key : null;
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
        bodyDefs.set(key, d);
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
  // an expression that cannot be expanded in place may still be copied where its value is kept or returned
  for (const [key, e] of expanded) if (e === null) bodyDefs.set(key, defs.get(key));

  /** The names declared in the outermost function or class around node n (parameters and declarations anywhere in it). */
  const declaredIn = new Map();
  const declaredAround = (n) => {
    let outermost = null;
    for (let p = n.parent; p && p !== sf; p = p.parent) if (ts.isFunctionLike(p) || ts.isClassLike(p)) outermost = p;
    if (outermost === null) return new Set();
    const known = declaredIn.get(outermost);
    if (known) return known;
    const names = new Set();
    const collectBinding = (b) => bindingNames(b).forEach((x) => names.add(x));
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

  /**
   * A body candidate's body, if it can be copied into another function: no function or class
   * inside it, no object literal or destructuring (names that are not references), no label,
   * no `var`, no `arguments`, `super`, `yield` or `await`, `this` only in a method, no local
   * named like a parameter. Returns the statements before its last statement's `return`, the
   * returned expression (null: none), whether it returns elsewhere too (`early`: then it is
   * copied only where its value is returned), the body's locals and the other names it reads
   * (top-level or global); or null.
   */
  const bodyParts = (d) => {
    if (d.body.getText(sf).length > MAX_COPIED_BODY) return null;
    const block = ts.isBlock(d.body) ? d.body.statements : null;
    const last = block?.[block.length - 1];
    const tailReturn = last && ts.isReturnStatement(last) ? last : null;
    const locals = new Set();
    const refs = [];
    let ok = true;
    let early = false;
    const visit = (n) => {
      if (!ok) return;
      if (ts.isReturnStatement(n) && n !== tailReturn) early = true;
      if (
        ts.isFunctionLike(n) || ts.isClassLike(n) || ts.isObjectLiteralExpression(n) ||
        ts.isObjectBindingPattern(n) || ts.isArrayBindingPattern(n) || ts.isLabeledStatement(n) || ts.isYieldExpression(n) || ts.isAwaitExpression(n) ||
        n.kind === K.SuperKeyword || (n.kind === K.ThisKeyword && d.cls === null)
      ) {
        ok = false;
        return;
      }
      if (ts.isVariableDeclarationList(n) && !(n.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const))) ok = false;
      else if (ts.isVariableDeclaration(n)) {
        if (!ts.isIdentifier(n.name)) ok = false;
        locals.add(n.name.text);
        if (n.initializer) visit(n.initializer);
      } else if (ts.isCatchClause(n)) {
        if (n.variableDeclaration) locals.add(n.variableDeclaration.name.text);
        visit(n.block);
      } else if (ts.isPropertyAccessExpression(n)) visit(n.expression);
      else if (ts.isIdentifier(n)) refs.push(n.text);
      else ts.forEachChild(n, visit);
    };
    visit(d.body);
    if (!ok || d.params.some((p) => locals.has(p))) return null;
    const free = new Set();
    for (const r of refs) {
      if (d.params.includes(r) || locals.has(r)) continue;
      if (r === 'arguments') return null;
      free.add(r);
    }
    if (block === null) return { pre: [], tail: d.body, early, locals, free };
    return { pre: tailReturn ? block.slice(0, -1) : block, tail: tailReturn?.expression ?? null, tailReturn, early, locals, free };
  };

  // the call sites (in the definitions too: a definition called from elsewhere is left in place)
  const edits = [];
  const inlined = {};
  /** false while a body candidate's copy is built (once, whatever the number of its call sites) */
  let counting = true;
  const count = (name) => {
    if (counting) inlined[name] = (inlined[name] ?? 0) + 1;
  };
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

  /**
   * Each body candidate's copy, built once: its parameters' new names (`inl$<id>_<k>`, bound at
   * the call site) and its statements, their calls expanded, for each use: where the call's
   * value is dropped (`dropped`), returned (`returned`) or given to a name (`given`, the name
   * written as TARGET), null for a use it cannot serve (a body that returns early); with the
   * locals a `given` copy declares around TARGET (its own and those of the copies its return
   * makes) and the names the copy reads. null: not copied (see bodyParts, or a cycle).
   */
  const bodies = new Map();
  const building = new Set();
  let nextBodyId = 0;
  /** the parameters' new names begin with a prefix no name of the bundle begins with */
  let prefix = 'inl$';
  while (code.includes(prefix)) prefix = `_${prefix}`;
  /** stands for the name a copy gives its value to, in the copy's text until its call site names it */
  const TARGET = '\u0001';
  const copying = !code.includes(TARGET);
  const bodyOf = (key) => {
    if (bodies.has(key)) return bodies.get(key);
    if (building.has(key) || !copying) return null;
    const d = bodyDefs.get(key);
    const parts = bodyParts(d);
    if (parts === null) {
      bodies.set(key, null);
      return null;
    }
    building.add(key);
    const id = nextBodyId++;
    const names = d.params.map((_, k) => `${prefix}${id}_${k}`);
    const ren = new Map(d.params.map((p, k) => [p, names[k]]));
    const free = new Set(parts.free);
    const wasCounting = counting;
    counting = false;
    const pre = parts.pre.map((st) => rewrite(st, ren, free)).join('\n');
    const body = { names, free, locals: parts.locals, dropped: `${pre}\n`, returned: `${pre}\nreturn;`, given: `${pre}\n${TARGET} = undefined;` };
    if (parts.early) {
      // the returns stay returns: only where the call's own value is returned
      body.dropped = body.given = null;
      if (parts.tailReturn) body.returned = `${pre}\n${rewrite(parts.tailReturn, ren, free)}`;
    } else if (parts.tail !== null) {
      const inner = copyAt(parts.tail);
      const t = inner && inner.body.given !== null ? null : rewrite(parts.tail, ren, free);
      body.dropped = `${pre}\n${t === null ? copyText(inner, 'dropped', ren, free) : `(${t});`}`;
      body.returned = `${pre}\n${t === null ? copyText(inner, 'returned', ren, free) : `return (${t});`}`;
      body.given = `${pre}\n${t === null ? copyText(inner, 'given', ren, free) : `${TARGET} = (${t});`}`;
      if (t === null) inner.body.locals.forEach((x) => body.locals.add(x));
    }
    counting = wasCounting;
    building.delete(key);
    bodies.set(key, body);
    return body;
  };
  /** The body candidate call n makes, if its copy can stand where n is (the names it reads not hidden there). */
  const copyAt = (n) => {
    if (!ts.isCallExpression(n) || n.arguments.some((a) => ts.isSpreadElement(a))) return null;
    const key = calleeOf(n, thisClassAt(n), bodyDefs);
    const body = key === null ? null : bodyOf(key);
    if (!body || body.names.length !== n.arguments.length) return null;
    const around = declaredAround(n);
    if ((ts.isIdentifier(n.expression) && around.has(n.expression.text)) || [...body.free].some((x) => around.has(x))) return null;
    return { body, name: bodyDefs.get(key).name, call: n };
  };
  /**
   * The copy of call c.call where its value is dropped, returned, or given to `target`: a block
   * that binds the arguments (in order, once each, as the call did) to the parameters' new
   * names, then runs the body in a block inside it.
   */
  const copyText = (c, use, ren, free, target) => {
    count(c.name);
    c.body.free.forEach((x) => free?.add(x));
    const args = c.call.arguments.map((a) => rewrite(a, ren, free));
    const bind = args.length === 0 ? '' : `let ${args.map((a, i) => `${c.body.names[i]} = (${a})`).join(', ')}; `;
    const text = c.body[use];
    return `{ ${bind}{ ${target === undefined ? text : text.split(TARGET).join(target)} } }`;
  };
  /**
   * Where node st stands for a call's value, the copy that can replace it: a statement of its
   * own (`f(x);`, value dropped), an arrow function's expression or a `return f(x);` (value
   * returned), a `let` or `const` of one name (`const y = f(x);`) or an assignment statement
   * to a name (`y = f(x);`) whose body declares no local of that name (value given).
   */
  const copySiteOf = (st) => {
    const site = copyUseOf(st);
    return site && site.c.body[site.use] !== null ? site : null;
  };
  const copyUseOf = (st) => {
    if (ts.isExpressionStatement(st)) {
      const e = st.expression;
      if (ts.isBinaryExpression(e) && e.operatorToken.kind === K.EqualsToken && ts.isIdentifier(e.left)) {
        const c = copyAt(e.right);
        return c && !c.body.locals.has(e.left.text) ? { c, use: 'given', target: e.left.text } : null;
      }
      const c = copyAt(e);
      return c && { c, use: 'dropped' };
    }
    if (st.parent && ts.isArrowFunction(st.parent) && st.parent.body === st) {
      const c = copyAt(st);
      return c && { c, use: 'returned' };
    }
    if (ts.isReturnStatement(st) && st.expression) {
      const c = copyAt(st.expression);
      return c && { c, use: 'returned' };
    }
    if (ts.isVariableStatement(st) && !st.modifiers?.length) {
      const list = st.declarationList;
      const [d] = list.declarations;
      if (!(list.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) || list.declarations.length !== 1 || !ts.isIdentifier(d.name) || !d.initializer) return null;
      const c = copyAt(d.initializer);
      return c && !c.body.locals.has(d.name.text) ? { c, use: 'given', target: d.name.text, declare: true } : null;
    }
    return null;
  };

  /**
   * The text that replaces node n, or null: a parameter's new name (`ren`), a body candidate's
   * copy (copySiteOf), or an expression candidate's expansion; the names it reads go into `free`.
   */
  const replacementOf = (n, ren, free) => {
    if (ren && ts.isIdentifier(n) && ren.has(n.text)) return ren.get(n.text);
    const site = copySiteOf(n);
    if (site) {
      const text = copyText(site.c, site.use, ren, free, site.target && (ren?.get(site.target) ?? site.target));
      return site.declare ? `let ${site.target}; ${text}` : text;
    }
    const x = expansionAt(n);
    if (x) {
      count(x.name);
      x.e.free.forEach((f) => free?.add(f));
      return substitute(x.e, n.arguments.map((a) => rewrite(a, ren, free)));
    }
    return null;
  };
  /** The text of node n with every call that can be expanded expanded (and the names of `ren` renamed). */
  const rewrite = (n, ren = null, free = null) => {
    const whole = replacementOf(n, ren, free);
    if (whole !== null) return whole;
    let out = '';
    let at = n.getStart(sf);
    const visit = (c) => {
      const r = replacementOf(c, ren, free);
      if (r !== null) {
        out += code.slice(at, c.getStart(sf)) + r;
        at = c.getEnd();
      } else if (ts.isPropertyAccessExpression(c)) visit(c.expression);
      else ts.forEachChild(c, visit);
    };
    ts.forEachChild(n, visit);
    return out + code.slice(at, n.getEnd());
  };
  const visitCalls = (n) => {
    const r = replacementOf(n, null, null);
    if (r !== null) edits.push([n.getStart(sf), n.getEnd(), r]);
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
