/**
 * The data flows one way (ARCHITECTURE.md): this test reads the import graph and fails when
 * an import runs against it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = process.cwd();
const files = (dir: string): string[] =>
  readdirSync(join(ROOT, dir)).flatMap((f) => {
    const p = join(dir, f);
    return statSync(join(ROOT, p)).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });

/** layer of a repository path */
const layer = (p: string): string => {
  const parts = p.split('/');
  if (p === 'src/index.ts') return 'src/index';
  if (parts[0] === 'src') return `src/${parts[1]}`;
  return parts[0];
};

/** which layers each layer may import (besides itself and npm packages) */
const ALLOWED: Record<string, readonly string[]> = {
  // src/util is the leaf every layer may use (input reading, quoting, seeded random): it imports no layer
  'src/state': ['src/util'],
  'src/events': ['src/state', 'src/util'],
  'src/reducer': ['src/state', 'src/events'],
  invariants: ['src/state'],
  models: ['src/state', 'src/events', 'src/reducer'],
  'src/replay': ['src/state', 'src/events', 'src/reducer', 'invariants'],
  'src/util': [],
  // the generic search: it knows a model only through src/engine/model.ts
  'src/engine': [],
  // the library entry point re-exports every layer
  'src/index': ['src/state', 'src/events', 'src/reducer', 'invariants', 'models', 'src/checker', 'src/replay', 'src/scenarios', 'src/util'],
  'src/checker': ['src/state', 'src/events', 'src/reducer', 'invariants', 'models', 'src/util', 'src/scenarios', 'src/engine', 'src/fastpath'],
  // tracing and compiling paths of code it is given: it knows no model
  'src/fastpath': ['src/util'],
  'src/scenarios': ['src/state', 'src/events', 'src/reducer', 'models', 'src/checker'],
  // the real-kernel bridge composes layers like the checker does
  'src/repro': ['src/state', 'src/events', 'src/reducer', 'models', 'src/scenarios', 'src/checker', 'src/replay', 'invariants', 'src/util'],
  'src/conform': ['src/state', 'src/events', 'src/reducer', 'models', 'src/scenarios', 'src/checker', 'src/replay', 'invariants', 'src/repro', 'src/util'],
  // the trace page and the pictures: they read states and replay logs, and decide nothing
  'src/render': ['src/state', 'src/events', 'src/replay', 'src/util'],
  'src/cli': ['src/state', 'src/events', 'src/reducer', 'invariants', 'models', 'src/checker', 'src/engine', 'src/replay', 'src/scenarios', 'src/util', 'src/repro', 'src/conform', 'src/render'],
};

const edges = (): { from: string; to: string }[] => {
  const out: { from: string; to: string }[] = [];
  for (const f of ['src', 'models', 'invariants'].flatMap(files)) {
    const text = readFileSync(join(ROOT, f), 'utf8');
    for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
      const to = relative(ROOT, normalize(join(ROOT, dirname(f), m[1])));
      out.push({ from: f, to });
    }
  }
  return out;
};

describe('architecture', () => {
  it('every import runs with the data flow: commands → models → events → reducer → state → invariants', () => {
    const bad = edges()
      .filter(({ from, to }) => layer(from) !== layer(to))
      .filter(({ from, to }) => !(ALLOWED[layer(from)] ?? []).includes(layer(to)))
      .map(({ from, to }) => `${from} → ${to}`);
    expect(bad).toEqual([]);
  });
  it('replay never needs the machines, invariants read state only', () => {
    const e = edges();
    expect(e.filter(({ from, to }) => layer(from) === 'src/replay' && layer(to) === 'models')).toEqual([]);
    expect(e.filter(({ from, to }) => layer(from) === 'invariants' && !['invariants', 'src/state'].includes(layer(to)))).toEqual([]);
  });
  it('the engine imports nothing but its own files and Node built-ins', () => {
    const outside: string[] = [];
    for (const f of files('src/engine')) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\s*\(?\s*['"]([^'"]+)['"]/g)) {
        const spec = m[1] ?? m[2];
        const inside = spec.startsWith('.') ? layer(relative(ROOT, normalize(join(ROOT, dirname(f), spec)))) === 'src/engine' : spec.startsWith('node:');
        if (!inside) outside.push(`${f} → ${spec}`);
      }
    }
    expect(outside).toEqual([]);
  });
  it('no function in the engine is longer than 120 lines', () => {
    const long: string[] = [];
    for (const f of files('src/engine')) {
      const src = ts.createSourceFile(f, readFileSync(join(ROOT, f), 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (n: ts.Node): void => {
        if (ts.isFunctionLike(n) && 'body' in n && n.body) {
          const lines = src.getLineAndCharacterOfPosition(n.end).line - src.getLineAndCharacterOfPosition(n.getStart()).line + 1;
          if (lines > 120) long.push(`${f}: ${n.name?.getText() ?? '(anonymous)'} ${lines} lines`);
        }
        ts.forEachChild(n, visit);
      };
      visit(src);
    }
    expect(long).toEqual([]);
  });
  it("a design's options and family are read only where designs are defined and machines compiled", () => {
    // the machines (models/*Machine.ts) take the options as input, models/tables.ts hands them
    // over, src/state/design.ts defines them and answers the questions judgments and texts ask
    // (hasVmPat, ownership, memtypeFreeMatches); everything else asks those or the tables
    const definesDesigns = (f: string) => /^models\/\w+Machine\.ts$/.test(f) || f === 'models/tables.ts' || f === 'src/state/design.ts';
    const read = /\boptions\.(tracking|memtypeEndMatch|untrackUncovered|mremapAlignFirst|mremapChecksFirst|mremapMoveMulti|mapFixedFreesAfter|fixes)\b|\.kind\s*[!=]==?\s*'(legacy|tracked|precise)'|\bdesign\.options\b/;
    const found: string[] = [];
    for (const f of ['src', 'models', 'invariants'].flatMap(files).filter((f) => !definesDesigns(f)))
      readFileSync(join(ROOT, f), 'utf8')
        .split('\n')
        .forEach((line, i) => read.test(line) && found.push(`${f}:${i + 1}: ${line.trim()}`));
    expect(found).toEqual([]);
  });
  it('only the event kinds write state: src/state/ops.ts is imported by src/events/codecs.ts alone', () => {
    const writers = edges()
      .filter(({ to }) => to === 'src/state/ops.ts')
      .map(({ from }) => from);
    expect(writers).toEqual(['src/events/codecs.ts']);
  });
  it('the layer table covers every directory with code', () => {
    const layers = new Set(['src', 'models', 'invariants'].flatMap(files).map(layer));
    for (const l of layers) expect(Object.keys(ALLOWED), l).toContain(l);
  });
});
