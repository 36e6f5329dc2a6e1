/**
 * The source transform of a tracing build (build.ts): every operation on a value in the
 * transformed files goes through the tracer (tracer.ts, the global `$T`), so that running the
 * decider on a state records what it read, what it branched on, what it wrote and which
 * counters it bumped, as expressions over the state's bytes (concolic execution: each value is
 * its concrete number and the expression that computed it).
 *
 * Rewritten: arithmetic, bitwise and comparison operators (`$T.b`), unary operators (`$T.u`),
 * `&&`, `||`, `??` (`$T.and`, `$T.or`, `$T.nc`, which branch on their left side), the tests of
 * `if`, `?:`, loops (`$T.c`) and `switch` (`$T.k`), element reads and writes (`$T.r`, `$T.w`),
 * `++`, `--` and compound assignments (as a read, an operation and a write), `Math.max`,
 * `Math.min`, `Math.imul`, `Math.floor`, `Math.abs`, `Number.isNaN`, and `new Function` (whose
 * body, a string, the transform cannot see: `$T.fn` fixes its arguments). Calls of the functions
 * named `residual` (directly or as `op.name`) become `$T.res`: the generated path calls them as
 * they are instead of tracing their loops.
 */
import type * as TS from 'typescript';

const ARITH: Record<string, string> = {
  PlusToken: '+',
  MinusToken: '-',
  AsteriskToken: '*',
  SlashToken: '/',
  PercentToken: '%',
  AmpersandToken: '&',
  BarToken: '|',
  CaretToken: '^',
  LessThanLessThanToken: '<<',
  GreaterThanGreaterThanToken: '>>',
  GreaterThanGreaterThanGreaterThanToken: '>>>',
  LessThanToken: '<',
  LessThanEqualsToken: '<=',
  GreaterThanToken: '>',
  GreaterThanEqualsToken: '>=',
  EqualsEqualsEqualsToken: '===',
  ExclamationEqualsEqualsToken: '!==',
  EqualsEqualsToken: '==',
  ExclamationEqualsToken: '!=',
};
const COMPOUND: Record<string, string> = {
  PlusEqualsToken: '+',
  MinusEqualsToken: '-',
  AsteriskEqualsToken: '*',
  SlashEqualsToken: '/',
  PercentEqualsToken: '%',
  AmpersandEqualsToken: '&',
  BarEqualsToken: '|',
  CaretEqualsToken: '^',
  LessThanLessThanEqualsToken: '<<',
  GreaterThanGreaterThanEqualsToken: '>>',
  GreaterThanGreaterThanGreaterThanEqualsToken: '>>>',
};
const TRACED_CALLS: Record<string, readonly string[]> = { Math: ['max', 'min', 'imul', 'floor', 'abs'], Number: ['isNaN'] };

/** The tracing form of one TypeScript source file, as JavaScript (types dropped, imports kept). */
export const traceTransform = (ts: typeof TS, source: string, fileName: string, residual: ReadonlySet<string>): string => {
  const K = ts.SyntaxKind;
  // by number: several SyntaxKind names share one value, so the reverse mapping is not the token's name
  const byKind = (table: Record<string, string>) => new Map(Object.entries(table).map(([name, op]) => [K[name as keyof typeof K], op]));
  const arithOps = byKind(ARITH);
  const compoundOps = byKind(COMPOUND);
  const transformer: TS.TransformerFactory<TS.SourceFile> = (ctx) => {
    const f = ts.factory;
    const $ = (name: string, args: TS.Expression[]): TS.Expression => f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('$T'), name), undefined, args);
    const str = (s: string) => f.createStringLiteral(s);
    const thunk = (e: TS.Expression) => f.createArrowFunction(undefined, undefined, [], undefined, f.createToken(K.EqualsGreaterThanToken), e);
    const strip = (e: TS.Expression): TS.Expression => (ts.isParenthesizedExpression(e) ? strip(e.expression) : e);
    const cond = (e: TS.Expression) => $('c', [visitExpr(e)]);
    /** target = v (v already rewritten) */
    const assign = (target: TS.Expression, v: TS.Expression): TS.Expression => {
      const t = strip(target);
      if (ts.isElementAccessExpression(t)) return $('w', [visitExpr(t.expression), visitExpr(t.argumentExpression), v]);
      const lhs = ts.isPropertyAccessExpression(t) ? f.updatePropertyAccessExpression(t, visitExpr(t.expression), t.name) : t;
      return f.createParenthesizedExpression(f.createAssignment(lhs, v));
    };
    const visitExpr = (e: TS.Expression): TS.Expression => visit(e) as TS.Expression;
    const visit = (node: TS.Node): TS.Node => {
      if (ts.isBinaryExpression(node)) {
        const k = node.operatorToken.kind;
        const arith = arithOps.get(k);
        if (arith) return $('b', [str(arith), visitExpr(node.left), visitExpr(node.right)]);
        if (k === K.AmpersandAmpersandToken) return $('and', [visitExpr(node.left), thunk(visitExpr(node.right))]);
        if (k === K.BarBarToken) return $('or', [visitExpr(node.left), thunk(visitExpr(node.right))]);
        if (k === K.QuestionQuestionToken) return $('nc', [visitExpr(node.left), thunk(visitExpr(node.right))]);
        const l = strip(node.left);
        if (k === K.EqualsToken && (ts.isElementAccessExpression(l) || ts.isIdentifier(l) || ts.isPropertyAccessExpression(l))) return assign(l, visitExpr(node.right));
        const compound = compoundOps.get(k);
        if (compound) return assign(node.left, $('b', [str(compound), visitExpr(node.left), visitExpr(node.right)]));
        return ts.visitEachChild(node, visit, ctx);
      }
      if (ts.isPrefixUnaryExpression(node)) {
        const k = node.operator;
        if (k === K.PlusPlusToken || k === K.MinusMinusToken) return assign(node.operand, $('b', [str(k === K.PlusPlusToken ? '+' : '-'), visitExpr(node.operand), f.createNumericLiteral(1)]));
        if (k === K.MinusToken && ts.isNumericLiteral(node.operand)) return node;
        const op = k === K.ExclamationToken ? '!' : k === K.MinusToken ? '-' : k === K.TildeToken ? '~' : '+';
        return $('u', [str(op), visitExpr(node.operand)]);
      }
      if (ts.isPostfixUnaryExpression(node)) {
        // (old => (target = old ± 1, old))(target)
        const old = f.createUniqueName('old');
        const delta = node.operator === K.PlusPlusToken ? '+' : '-';
        const body = f.createCommaListExpression([assign(node.operand, $('b', [str(delta), old, f.createNumericLiteral(1)])), old]);
        const fn = f.createArrowFunction(undefined, undefined, [f.createParameterDeclaration(undefined, undefined, old)], undefined, f.createToken(K.EqualsGreaterThanToken), f.createParenthesizedExpression(body));
        return f.createCallExpression(f.createParenthesizedExpression(fn), undefined, [visitExpr(node.operand)]);
      }
      if (ts.isElementAccessExpression(node)) return $('r', [visitExpr(node.expression), visitExpr(node.argumentExpression)]);
      if (ts.isConditionalExpression(node)) return f.createConditionalExpression(cond(node.condition), undefined, visitExpr(node.whenTrue), undefined, visitExpr(node.whenFalse));
      if (ts.isIfStatement(node)) return f.updateIfStatement(node, cond(node.expression), visit(node.thenStatement) as TS.Statement, node.elseStatement && (visit(node.elseStatement) as TS.Statement));
      if (ts.isWhileStatement(node)) return f.updateWhileStatement(node, cond(node.expression), visit(node.statement) as TS.Statement);
      if (ts.isDoStatement(node)) return f.updateDoStatement(node, visit(node.statement) as TS.Statement, cond(node.expression));
      if (ts.isForStatement(node))
        return f.updateForStatement(
          node,
          node.initializer && (visit(node.initializer) as TS.ForInitializer),
          node.condition && cond(node.condition),
          node.incrementor && visitExpr(node.incrementor),
          visit(node.statement) as TS.Statement,
        );
      if (ts.isSwitchStatement(node)) return f.updateSwitchStatement(node, $('k', [visitExpr(node.expression)]), visit(node.caseBlock) as TS.CaseBlock);
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Function') return $('fn', (node.arguments ?? []).map(visitExpr));
      if (ts.isCallExpression(node)) {
        const c = node.expression;
        const args = () => f.createArrayLiteralExpression(node.arguments.map(visitExpr));
        if (ts.isIdentifier(c) && residual.has(c.text)) return $('res', [str(c.text), c, args()]);
        if (ts.isPropertyAccessExpression(c) && ts.isIdentifier(c.expression)) {
          const obj = c.expression.text;
          const name = c.name.text;
          if (obj === 'op' && residual.has(name)) return $('res', [str(name), c, args()]);
          if (TRACED_CALLS[obj]?.includes(name)) return $(`${obj}_${name}`, node.arguments.map(visitExpr));
        }
      }
      return ts.visitEachChild(node, visit, ctx);
    };
    return (sf) => ts.visitNode(sf, visit) as TS.SourceFile;
  };
  return ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: false, isolatedModules: true },
    transformers: { before: [transformer] },
    fileName,
  }).outputText;
};
