/**
 * The hostile-input fuzz suite's generators and properties (issue 17), shared by
 * test/fuzz/fuzz.test.ts (a few seconds in `npm test`, seed FC_SEED) and scripts/fuzz.ts
 * (`npm run fuzz -- --seconds N`).
 *
 * Inputs: event logs, kernel recordings and configs, each generated from its grammar or
 * mutated from the fixtures in test/fixtures/ (structurally: a value replaced, a field added
 * or removed, lines dropped, repeated or swapped; and as text: a line cut short, a key
 * repeated, nesting past the limit, a raw control character, a byte that is not UTF-8), plus
 * argument vectors from the flags' vocabulary. The CLI runs in-process through its Io
 * interface (files in memory), the library through its exports.
 *
 * The property of every run: exit 0-4, never 70; stderr is one line (conform: one a bad file), no stack trace, for
 * exit 2 starting "pfnmap: FILE:line N" when a file's grammar is broken; nothing on
 * stdout or stderr carries a raw control character; a mutation that certainly breaks the
 * grammar ends with exit 2 (never 0: no nonsense accepted); an output written is whole
 * (it reads back as a log). The library returns a result or throws InputError, nothing else.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { run } from '../../src/cli/main.ts';
import { runScenario } from '../../src/cli/scenario.ts';
import { parseLog } from '../../src/events/logFormat.ts';
import * as api from '../../src/index.ts';
import { SELFTEST_SCENARIOS } from '../../src/scenarios/selftest.ts';
import { parseDesign, type Design } from '../../src/state/design.ts';
import { memIo } from '../support/io.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = readonly (string | number)[];

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** Valid event logs: the fixtures that parse, and the selftest scenarios on three designs. */
const LOGS: readonly string[] = [
  ...['clean', 'double-free', 'double-kref-put', 'cannot-apply'].map((f) => readFileSync(join(FIXTURES, 'logs', `${f}.ndjson`), 'utf8')),
  ...SELFTEST_SCENARIOS.flatMap((sc) => ['tracked', 'legacy@v6.1', 'precise'].map((d) => runScenario(sc, parseDesign(d) as Design).log)),
];

/** Recorded kernel runs (test/fixtures/kernel/VERSION, all valid): a legacy and a tracked era. */
const RECORDINGS: readonly string[] = ['6.1.192', '6.19.14'].flatMap((version) =>
  readdirSync(join(FIXTURES, 'kernel', version))
    .filter((f) => f.endsWith('.ndjson'))
    .sort()
    .map((f) => readFileSync(join(FIXTURES, 'kernel', version, f), 'utf8')),
);

const isObject = (v: Json): v is { [k: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every path into a JSON value (the root included), depth first. */
const pathsOf = (v: Json, at: Path = [], out: Path[] = []): Path[] => {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...at, i], out));
  else if (isObject(v)) for (const k of Object.keys(v)) pathsOf(v[k], [...at, k], out);
  return out;
};

const getAt = (v: Json, p: Path): Json => p.reduce<Json>((x, k) => (x as Record<string | number, Json>)[k], v);

/** A copy of v with the value at p replaced (or, with remove, the key or element removed). */
const setAt = (v: Json, p: Path, x: Json | undefined): Json => {
  if (p.length === 0) return x === undefined ? null : x;
  const [k, ...rest] = p;
  if (Array.isArray(v)) {
    const c = [...v];
    if (rest.length === 0 && x === undefined) c.splice(k as number, 1);
    else c[k as number] = setAt(c[k as number], rest, x);
    return c;
  }
  const c = { ...(v as Record<string, Json>) };
  if (rest.length === 0 && x === undefined) delete c[k as string];
  else c[k as string] = setAt(c[k as string], rest, x);
  return c;
};

/** JSON text of v with the first key of the object at p written twice. */
const stringifyWithDuplicate = (v: Json, p: Path): string => {
  const go = (x: Json, at: Path): string => {
    if (Array.isArray(x)) return `[${x.map((y, i) => go(y, [...at, i])).join(',')}]`;
    if (isObject(x)) {
      const parts = Object.keys(x).map((k) => `${JSON.stringify(k)}:${go(x[k], [...at, k])}`);
      if (at.length === p.length && at.every((k, i) => k === p[i]) && parts.length) parts.push(parts[0]);
      return `{${parts.join(',')}}`;
    }
    return JSON.stringify(x);
  };
  return go(v, []);
};

/** Awkward values: edge numbers, strings with control characters and escapes, nesting. */
const awkward: fc.Arbitrary<Json> = fc.oneof(
  fc.integer({ min: -3, max: 20 }),
  fc.constantFrom(0, -1, 1, 2, 3, 4096, 8192, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 1e300, -1e300, 0.5, -0.25, 1e-300, 8727373545472, 1040384, 0xfe000),
  fc.string({ maxLength: 8 }),
  fc.constantFrom('', 'WB', 'UC-', 'WC', 'mmap', 'munmap', 'fork', 'PROT_READ', 'tracked', 'legacy@v6.1', '\u001b[31mred', 'a\u0000b', '\u202eevil', '\u009b2J', 'x'.repeat(300)),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer({ min: -1, max: 3 }), { maxLength: 3 }),
  fc.dictionary(fc.constantFrom('ctx', 'lineage', 'kernel', 'pid', 'kind', 'x'), fc.integer({ min: -1, max: 3 }), { maxKeys: 2 }),
);

/** An arbitrary of weight 1, drawn rarely beside one of weight 9 or more. */
const rarely = <T>(a: fc.Arbitrary<T>): fc.WeightedArbitrary<T> => ({ weight: 1, arbitrary: a });

/** An input file's content and whether the change certainly breaks its grammar. */
export interface Mutated {
  readonly content: string | Uint8Array;
  readonly invalid: boolean;
  readonly how: string;
}

/** Mutations of an NDJSON text whose lines are JSON objects (a log or a recording). */
export const mutateNdjson = (text: string): fc.Arbitrary<Mutated> => {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const values = lines.map((l) => JSON.parse(l) as Json);
  const line = fc.nat({ max: lines.length - 1 });
  const join = (ls: readonly string[]) => ls.join('\n') + '\n';
  const withLine = (i: number, l: string) => join(lines.map((x, k) => (k === i ? l : x)));
  const pathIn = (i: number, pick: number, filter: (x: Json) => boolean = () => true): Path | null => {
    const ps = pathsOf(values[i]).filter((p) => filter(getAt(values[i], p)));
    return ps.length ? ps[pick % ps.length] : null;
  };
  return fc.oneof(
    // a value replaced (the grammar may or may not allow it)
    fc.tuple(line, fc.nat(), awkward).map(([i, pick, x]): Mutated => {
      const p = pathIn(i, pick)!;
      return { content: withLine(i, JSON.stringify(setAt(values[i], p, x))), invalid: false, how: `line ${i + 1}: ${JSON.stringify(p)} = ${JSON.stringify(x)}` };
    }),
    // a field removed (required or not)
    fc.tuple(line, fc.nat()).map(([i, pick]): Mutated => {
      const p = pathIn(i, pick, (x) => x !== values[i]) ?? [];
      return { content: withLine(i, JSON.stringify(setAt(values[i], p, undefined))), invalid: false, how: `line ${i + 1}: remove ${JSON.stringify(p)}` };
    }),
    // lines dropped, repeated, swapped
    fc.tuple(line, line, fc.constantFrom('drop', 'repeat', 'swap')).map(([i, j, op]): Mutated => {
      const ls = [...lines];
      if (op === 'drop') ls.splice(i, 1);
      else if (op === 'repeat') ls.splice(j, 0, lines[i]);
      else [ls[i], ls[j]] = [ls[j], ls[i]];
      return { content: join(ls), invalid: false, how: `${op} line ${i + 1} (${j + 1})` };
    }),
    // an unknown field in any object
    fc.tuple(line, fc.nat()).map(([i, pick]): Mutated => {
      const p = pathIn(i, pick, isObject)!;
      return { content: withLine(i, JSON.stringify(setAt(values[i], [...p, 'zzUnknown'], 1))), invalid: true, how: `line ${i + 1}: unknown field at ${JSON.stringify(p)}` };
    }),
    // a line cut short
    fc.tuple(line, fc.nat()).map(([i, n]): Mutated => ({ content: withLine(i, lines[i].slice(0, 1 + (n % (lines[i].length - 1)))), invalid: true, how: `line ${i + 1} cut` })),
    // a key written twice
    fc.tuple(line, fc.nat()).map(([i, pick]): Mutated => {
      const p = pathIn(i, pick, (x) => isObject(x) && Object.keys(x).length > 0)!;
      return { content: withLine(i, stringifyWithDuplicate(values[i], p)), invalid: true, how: `line ${i + 1}: duplicate key at ${JSON.stringify(p)}` };
    }),
    // nesting past the limit
    fc.tuple(line, fc.nat(), fc.integer({ min: 65, max: 6000 })).map(([i, pick, depth]): Mutated => {
      const p = pathIn(i, pick, (x) => x !== values[i]) ?? ['deep'];
      const text = JSON.stringify(setAt(values[i], p, '__DEEP__')).replace('"__DEEP__"', '['.repeat(depth) + ']'.repeat(depth));
      return { content: withLine(i, text), invalid: true, how: `line ${i + 1}: ${JSON.stringify(p)} nested ${depth} deep` };
    }),
    // a raw control character (never JSON whitespace, never trimmed)
    fc.tuple(line, fc.nat(), fc.constantFrom(0, 1, 7, 8, 0x0b, 0x0c, 0x1b, 0x1f)).map(([i, at, c]): Mutated => {
      const k = at % (lines[i].length + 1);
      return { content: withLine(i, lines[i].slice(0, k) + String.fromCharCode(c) + lines[i].slice(k)), invalid: true, how: `line ${i + 1}: control U+${c.toString(16)} at ${k}` };
    }),
    // a byte that is not UTF-8
    fc.tuple(line, fc.nat(), fc.constantFrom(0xff, 0xfe, 0xc0, 0x80, 0xed)).map(([i, at, b]): Mutated => {
      const bytes = Buffer.from(join(lines));
      const start = lines.slice(0, i).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
      const k = start + (at % (Buffer.byteLength(lines[i]) + 1));
      const out = Buffer.concat([bytes.subarray(0, k), Buffer.from([b, b === 0xed ? 0xa0 : 0x20]), bytes.subarray(k)]);
      return { content: new Uint8Array(out), invalid: true, how: `line ${i + 1}: byte 0x${b.toString(16)} at ${k - start}` };
    }),
  );
};

/** A valid log, mutated. */
export const logCase: fc.Arbitrary<Mutated> = fc.constantFrom(...LOGS).chain(mutateNdjson);
/** A valid recording, mutated. */
export const recordingCase: fc.Arbitrary<Mutated> = fc.constantFrom(...RECORDINGS).chain(mutateNdjson);

/** Header changes that break a log's grammar. */
export const headerCase: fc.Arbitrary<Mutated> = fc.tuple(fc.constantFrom(...LOGS), fc.constantFrom('no-config', 'version', 'design', 'format', 'extra')).map(([text, what]) => {
  const [h, ...rest] = text.split('\n');
  const o = JSON.parse(h) as Record<string, Json>;
  if (what === 'no-config') delete o.config;
  else if (what === 'version') o.version = 2;
  else if (what === 'design') o.design = 'legacy@v5';
  else if (what === 'format') o.format = 'pfnmap-event';
  else o.comment = 'x';
  return { content: [JSON.stringify(o), ...rest].join('\n'), invalid: true, how: `header: ${what}` };
});

/** A config the grammar accepts, small enough that a bounded check of it stays short. */
const validConfig: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    procs: fc.integer({ min: 1, max: 2 }),
    vpages: fc.integer({ min: 2, max: 3 }),
    pfns: fc.integer({ min: 2, max: 3 }),
    maxMapPages: fc.integer({ min: 1, max: 2 }),
    privateMapPages: fc.constant(1),
    kernelMapPages: fc.integer({ min: 1, max: 2 }),
    refcountMax: fc.integer({ min: 2, max: 4 }),
    treeMax: fc.integer({ min: 2, max: 6 }),
    kernelSlots: fc.integer({ min: 1, max: 2 }),
    mtrr: fc.constantFrom('WB', 'UC'),
    devmemModes: fc.constantFrom(['WB'], ['WB', 'UC-']),
    driverModes: fc.constantFrom(['WC'], ['UC', 'WT']),
    physBasePfn: fc.constantFrom(0, 0xfe000, 2 ** 40),
    vaBasePage: fc.constantFrom(0, 0x7f000000, 2 ** 36),
    commands: fc.record(
      Object.fromEntries(
        ['mmapDevmem', 'mmapPrivate', 'mapFixed', 'mmapDriver', 'mmapDriverPartial', 'remapTwice', 'mprotect', 'madvise', 'madviseInvalid', 'mremapShrink', 'mremapMove', 'mremapInvalid', 'fork', 'exit', 'writeFault', 'zap', 'vmfInsertPfn', 'memremap', 'ioremap'].map((k) => [
          k,
          fc.boolean(),
        ]),
      ),
      { requiredKeys: [] },
    ),
    faults: fc.record(Object.fromEntries(['forkCopy', 'trackPfnCopy', 'remapFill', 'ctxAlloc', 'split'].map((k) => [k, fc.boolean()])), { requiredKeys: [] }),
  }, { requiredKeys: ['procs', 'vpages', 'pfns', 'maxMapPages'] });

/** A config from its grammar: mostly valid (the check runs), some with awkward values, some textually broken. */
export const configCase: fc.Arbitrary<Mutated> = fc
  .tuple(
    fc.oneof(
      { weight: 3, arbitrary: validConfig },
      fc.record(
        {
          name: fc.oneof({ weight: 9, arbitrary: fc.constantFrom('fz', '', 'fz zz') }, rarely(fc.constantFrom('x'.repeat(201), 'a\u001bb'))),
          procs: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(1, 2) }, rarely(awkward)),
          vpages: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(1, 2, 3) }, rarely(awkward)),
          pfns: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(1, 2) }, rarely(awkward)),
          maxMapPages: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(1, 2) }, rarely(awkward)),
          treeMax: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(2, 4) }, rarely(awkward)),
          kernelSlots: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(0, 1) }, rarely(awkward)),
          mtrr: fc.oneof({ weight: 9, arbitrary: fc.constantFrom('WB', 'UC') }, rarely(awkward)),
          devmemModes: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(['WB'], ['WB', 'UC-']) }, rarely(fc.oneof(fc.constantFrom([], ['WB', 'WB']), awkward))),
          driverModes: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(['WC'], ['UC', 'WT']) }, rarely(fc.oneof(fc.constantFrom(['WP']), awkward))),
          mprotectProts: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(['PROT_NONE'], ['PROT_READ', 'PROT_READ|PROT_WRITE']) }, rarely(awkward)),
          refcountMax: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(2, 3, 4) }, rarely(awkward)),
          privateMapPages: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(1, 2) }, rarely(awkward)),
          kernelMapPages: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(1, 2) }, rarely(awkward)),
          physBasePfn: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(0, 1, 0xfe000, 2 ** 40) }, rarely(awkward)),
          vaBasePage: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(0, 1, 0x7f000000, 2 ** 36) }, rarely(awkward)),
          description: fc.oneof({ weight: 9, arbitrary: fc.constantFrom('', 'a fuzzed config') }, rarely(awkward)),
          commands: fc.dictionary(
            fc.oneof({ weight: 19, arbitrary: fc.constantFrom('mmapDevmem', 'munmap', 'fork', 'exit', 'mprotect', 'memremap', 'zap', 'mapFixed', 'mremapMove') }, rarely(fc.constant('mlock'))),
            fc.oneof({ weight: 19, arbitrary: fc.boolean() }, rarely(awkward)),
            { maxKeys: 4 },
          ),
          faults: fc.dictionary(fc.oneof({ weight: 19, arbitrary: fc.constantFrom('forkCopy', 'split', 'ctxAlloc') }, rarely(fc.constant('nope'))), fc.boolean(), { maxKeys: 2 }),
      },
        { requiredKeys: [] },
      ),
    ),
    fc.oneof({ weight: 10, arbitrary: fc.constant('as-is') }, rarely(fc.constantFrom('unknown', 'duplicate', 'deep', 'cut', 'not-object'))),
  )
  .map(([c, how]): Mutated => {
    const text = JSON.stringify(c, null, 2);
    if (how === 'unknown') return { content: JSON.stringify({ ...c, zzUnknown: 1 }, null, 2), invalid: true, how };
    if (how === 'duplicate') return { content: text.replace(/^\{/, '{\n  "procs": 1,\n  "procs": 1,').replace(/,\n\}$/, '\n}'), invalid: true, how };
    if (how === 'deep') return { content: JSON.stringify({ ...c, name: 0 }).replace('"name":0', `"name":${'['.repeat(70)}${']'.repeat(70)}`), invalid: true, how };
    if (how === 'cut') return { content: text.slice(0, Math.max(1, text.length - 2)), invalid: true, how };
    if (how === 'not-object') return { content: '[1, 2]', invalid: true, how };
    return { content: text, invalid: false, how };
  });

/** One CLI run's case: the arguments, the input files in memory, and what certainly breaks. */
export interface CliCase {
  readonly argv: readonly string[];
  readonly files: Readonly<Record<string, string | Uint8Array>>;
  /** the input file whose content is at fault when exit 2 comes from it */
  readonly input?: string;
  readonly invalid: boolean;
  readonly how: string;
}

export const logRun: fc.Arbitrary<CliCase> = fc.tuple(fc.oneof(logCase, headerCase), fc.constantFrom('replay', 'replay', 'diff', 'repro')).map(([m, cmd]) => ({
  argv: cmd === 'replay' ? ['replay', 'fz.ndjson'] : cmd === 'diff' ? ['diff', '--designs', 'legacy@v6.1,tracked', 'fz.ndjson'] : ['repro', 'fz.ndjson'],
  files: { 'fz.ndjson': m.content },
  input: 'fz.ndjson',
  invalid: m.invalid,
  how: `${cmd}: ${m.how}`,
}));

export const recordingRun: fc.Arbitrary<CliCase> = recordingCase.map((m) => ({
  argv: ['conform', 'fz.ndjson'],
  files: { 'fz.ndjson': m.content },
  input: 'fz.ndjson',
  invalid: m.invalid,
  how: `conform: ${m.how}`,
}));

/**
 * What keeps an in-process check short and small: few states, one thread, and a memory
 * limit (the visited set reserves address space the size of the limit: three quarters of
 * the machine's memory by default, and thousands of checks in one process would hold
 * hundreds of GB of it until collected).
 */
const CHECK_BOUNDS = ['--max-states', '300', '--workers', '1', '--max-memory', '64'];

export const configRun: fc.Arbitrary<CliCase> = fc
  .tuple(configCase, fc.constantFrom('check', 'simulate'), fc.constantFrom('tracked', 'legacy@v6.1', 'legacy@v6.15', 'precise'), fc.boolean())
  .map(([m, cmd, design, out]) => ({
    argv: [
      ...(cmd === 'check' ? ['check', '--config', 'fz.json', ...CHECK_BOUNDS, '--quiet'] : ['simulate', '--config', 'fz.json', '--walks', '3', '--steps', '6', '--seed', '1']),
      '--design',
      design,
      ...(out ? ['--out', 'fz-out.ndjson'] : []),
    ],
    files: { 'fz.json': m.content },
    input: 'fz.json',
    invalid: m.invalid,
    how: `${cmd} ${design}: ${m.how}`,
  }));

/** Argument vectors from the flags' vocabulary, with awkward values (the check bounded to stay short). */
const flagValue = fc.oneof(
  fc.constantFrom('', ' ', '0', '1', '2', '-1', '1e3', '0x10', '3.5', '99999999999999999999', ',', 'a,', ',a', '--json', 'tiny', 'split3', 'default,tiny', 'tracked', 'legacy@v6.1', 'precise'),
  fc.constantFrom('kref-exact', 'tracking-precise', 'no-such', 'vma-no-overlap,kref-exact', 'munmap_split', 'fork', 'dup-without-get', 'x.json', '/nonexistent/x.ndjson', '/tmp', 'fz.ndjson'),
  fc.constantFrom('\u001b[2J', 'a\u0000b', 'x'.repeat(400)),
);
const FLAGS = ['--design', '--config', '--depth', '--invariants', '--json', '--out', '--quiet', '--mutant', '--walks', '--steps', '--seed', '--designs', '--all', '--no-symmetry', '--fingerprint', '--bogus', '--name', '--list'];
export const flagRun: fc.Arbitrary<CliCase> = fc
  .tuple(
    fc.constantFrom('check', 'replay', 'scenario', 'simulate', 'diff', 'repro', 'conform', 'list', 'help', 'nosuch', '--version', ''),
    fc.array(fc.oneof(fc.constantFrom(...FLAGS), flagValue, fc.tuple(fc.constantFrom(...FLAGS), flagValue).map(([f, v]) => `${f}=${v}`)), { maxLength: 6 }),
  )
  .map(([cmd, rest]) => {
    const bound = cmd === 'check' ? CHECK_BOUNDS : cmd === 'simulate' ? ['--walks', '2', '--steps', '4', '--seed', '1'] : [];
    // simulate's own --walks/--steps would be given twice: the bound ones go first, so a repeat is an error, not a long run
    const argv = [cmd, ...bound, ...rest].filter((a, i) => i > 0 || a !== '');
    return { argv, files: { 'fz.ndjson': LOGS[0] }, invalid: false, how: argv.join(' ') };
  });

/** What a run printed and returned. */
export interface Outcome {
  readonly code: number;
  readonly out: readonly string[];
  readonly err: readonly string[];
  readonly written: ReadonlyMap<string, string>;
  readonly seconds: number;
}

export const runCase = async (c: CliCase): Promise<Outcome> => {
  const m = memIo();
  for (const [p, content] of Object.entries(c.files)) {
    if (typeof content === 'string') m.files.set(p, content);
    else m.bytes.set(p, content);
  }
  const t0 = performance.now();
  const code = await run(c.argv, m.io);
  const written = new Map([...m.files].filter(([p]) => !(p in c.files)));
  return { code, out: m.out, err: m.err, written, seconds: (performance.now() - t0) / 1000 };
};

const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** The seconds one in-process run may take (a hang shows as a run over it). */
export const RUN_SECONDS = 30;

/** The property of every CLI run (see the top of this file); throws with the reason. */
export const checkOutcome = (c: CliCase, o: Outcome): void => {
  const fail = (why: string): never => {
    throw new Error(`${why}\n  case: ${c.how}\n  argv: ${JSON.stringify(c.argv)}\n  exit ${o.code}\n  stderr: ${JSON.stringify(o.err)}\n  stdout: ${JSON.stringify(o.out.slice(0, 5))}`);
  };
  if (!(o.code >= 0 && o.code <= 4)) fail(`exit ${o.code}, expected 0-4`);
  const err = o.err.filter((l) => l !== '');
  if (err.some((l) => /internal error/.test(l))) fail('an internal error');
  if (err.some((l) => /^\s+at /.test(l))) fail('a stack trace');
  // conform judges each of its files: one line for each that is bad
  const most = c.argv[0] === 'conform' ? Math.max(1, c.argv.length - 1) : 1;
  if (o.code === 2 && err.length === 0) fail('exit 2 with nothing on stderr');
  if (err.length > most) fail(`${err.length} lines on stderr`);
  if (err.some((l) => !l.startsWith('pfnmap: '))) fail('a line on stderr does not start with "pfnmap: "');
  for (const l of [...o.out, ...o.err]) if (RAW_CONTROL.test(l)) fail(`a raw control character in ${JSON.stringify(l.slice(0, 80))}`);
  if (c.input && c.invalid) {
    if (o.code !== 2) fail('a grammar-breaking change was accepted');
    if (!err[0].startsWith(`pfnmap: ${c.input}:line `)) fail('the error does not name the file and line');
  }
  for (const [p, text] of o.written) if (p.endsWith('.ndjson')) parseLog(text);
  if (o.seconds > RUN_SECONDS) fail(`took ${o.seconds.toFixed(1)} s`);
};

/** The CLI property over an arbitrary of cases. */
export const cliProperty = (cases: fc.Arbitrary<CliCase>) =>
  fc.asyncProperty(cases, async (c) => {
    checkOutcome(c, await runCase(c));
  });

/** Library calls with awkward arguments: a result or an InputError, nothing else. */
const libraryCall: fc.Arbitrary<{ how: string; call: () => unknown }> = fc.oneof(
  fc.tuple(fc.constantFrom(...LOGS), fc.nat(), awkward, fc.option(fc.array(fc.constantFrom('kref-exact', 'no-such', 'tracking-precise', 'vma-no-overlap', ''), { maxLength: 2 }))).map(([text, pick, x, only]) => {
    const log = parseLog(text) as unknown as Json;
    const paths = pathsOf(log).filter((p) => p[0] !== 'lines' || p.length === 1);
    const p = paths[pick % paths.length];
    const bad = setAt(log, p, x);
    return { how: `replayLog(${JSON.stringify(p)} = ${JSON.stringify(x)}, ${JSON.stringify(only)})`, call: () => api.replayLog(bad as never, only ?? undefined) };
  }),
  fc.tuple(fc.constantFrom('tiny', 'split3'), fc.nat(), awkward, fc.constantFrom('tracked', 'legacy@v6.1', 'precise', 'nope')).map(([name, pick, x, design]) => {
    const u = api.NAMED_CONFIGS[name].universe as unknown as Json;
    const opts = { universe: u, design, maxStates: 200, workers: 1, maxMemoryBytes: 64 << 20 } as unknown as Json;
    const paths = pathsOf(opts);
    const p = paths[pick % paths.length];
    const bad = setAt(opts, p, x);
    return { how: `check(${JSON.stringify(p)} = ${JSON.stringify(x)})`, call: () => api.check(bad as never) };
  }),
  fc.tuple(fc.array(fc.dictionary(fc.constantFrom('kind', 'pid', 'len', 'addr', 'pfn', 'cacheMode', 'shared', 'nrPages'), awkward, { maxKeys: 6 }), { maxLength: 4 })).map(([cmds]) => ({
    how: `runCommands(${JSON.stringify(cmds)})`,
    call: () => api.runCommands(api.NAMED_CONFIGS.tiny.universe, parseDesign('tracked') as Design, cmds as never),
  })),
);

export const libraryProperty = () =>
  fc.property(libraryCall, ({ how, call }) => {
    try {
      call();
    } catch (e) {
      if (e instanceof api.InputError) return;
      throw new Error(`${how}: threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    }
  });

/** The properties by name, with their share of cases (the check and simulate runs cost more). */
export const PROPERTIES = {
  logs: { property: () => cliProperty(logRun), weight: 4 },
  recordings: { property: () => cliProperty(recordingRun), weight: 3 },
  configs: { property: () => cliProperty(configRun), weight: 1 },
  flags: { property: () => cliProperty(flagRun), weight: 2 },
  library: { property: libraryProperty, weight: 2 },
} as const;
