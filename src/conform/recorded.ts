/**
 * Reading a recorded kernel run (format "pfnmap-kernel-run", version 2: what a program made by
 * `pfnmap repro` prints, docs/real-kernel.md). Line 1 the header, line 2 the "init" record
 * with the model (design, config) the program was generated from, then one record per step
 * with the model's command, then "end". Every error names the line and the field.
 */
import type { Command } from '../events/commands.ts';
import { decodeCommand } from '../events/decodeError.ts';
import { decodeConfig } from '../state/config.ts';
import { parseDesign } from '../state/design.ts';
import { InputError, isBlank, jsonAt, linesOfText, MAX_RECORDS } from '../util/input.ts';
import { printable, quote } from '../util/quote.ts';
import type { Universe } from '../state/universe.ts';

export const RUN_FORMAT = 'pfnmap-kernel-run';
export const RUN_VERSION = 2;

/** A recording that cannot be read: the line, maybe the field, and what is wrong (one line, input quoted). */
export class RecordedError extends InputError {}

export interface RecordedMemtype {
  readonly start: string;
  readonly end: string;
  readonly type: string;
  readonly count: number;
}

export interface RecordedVma {
  readonly pid: number;
  readonly start: string;
  readonly end: string;
  readonly pf: boolean;
  readonly ar: boolean;
}

export interface RecordedStep {
  readonly step: number;
  /** 1-based line in the file */
  readonly line: number;
  readonly pid: number;
  readonly call: string;
  readonly cmd: Command;
  readonly implicit: boolean;
  /** mmap(NULL): where the program mapped it (MAP_FIXED_NOREPLACE), W-relative */
  readonly hint?: string;
  readonly ret: string;
  readonly errno: number;
  readonly klog: readonly string[];
  /** null: pat_memtype_list was unreadable */
  readonly memtype: readonly RecordedMemtype[] | null;
  readonly vmas: readonly RecordedVma[];
}

export interface RecordedRun {
  /** uname -r */
  readonly kernel: string;
  /** the upstream version ("6.1.192"): the header's "linux", else read from uname -v ("" if neither says) */
  readonly linux: string;
  readonly program: string;
  /** physical slice base, absolute */
  readonly X: number;
  readonly debugpat: boolean;
  readonly mtrr: string;
  readonly design: string;
  readonly source: string;
  readonly universe: Universe;
  readonly initLine: number;
  readonly initKlog: readonly string[];
  readonly steps: readonly RecordedStep[];
  readonly end: { readonly line: number; readonly klog: readonly string[]; readonly memtype: readonly RecordedMemtype[] | null; readonly killed: number };
}

type Obj = Record<string, unknown>;

const short = (v: unknown): string => quote(v);

/**
 * The fields each record has (kernel/repro_driver.c prints them); any other is refused, as
 * an event log refuses a field its codec does not know. Fields the comparison does not read
 * (the BAR, the slice, the program's own verdicts) are allowed but not checked.
 */
const FIELDS = {
  header: ['format', 'version', 'kernel', 'linux', 'program', 'generator'],
  init: ['step', 'call', 'model', 'bar', 'bar_base', 'bar_size', 'slice', 'slice_size', 'X', 'mtrr', 'debugpat', 'frames', 'window_pages', 'page_size', 'aslr', 'kernel_version', 'klog', 'memtype'],
  model: ['design', 'source', 'config'],
  step: ['step', 'pid', 'call', 'cmd', 'implicit', 'ret', 'errno', 'err', 'expect', 'match', 'memtype_match', 'vmas_match', 'expect_memtype', 'expect_vmas', 'klog', 'memtype', 'vmas'],
  expect: ['ret', 'errno', 'err'],
  end: ['step', 'call', 'mismatches', 'killed', 'klog', 'memtype', 'vmas'],
  memtype: ['start', 'end', 'type', 'count'],
  vma: ['pid', 'start', 'end', 'perms', 'pgoff', 'pf', 'ar', 'io', 'vmflags', 'error'],
} as const;

/** Refuse a key of o not in known (the field named with its path). */
const onlyKnown = (o: Obj, line: number, known: readonly string[], prefix = ''): void => {
  for (const k of Object.keys(o)) if (!known.includes(k)) throw new RecordedError(line, prefix + k, `unknown field (known: ${known.join(', ')})`);
};

const field = <T>(o: Obj, line: number, name: string, check: (v: unknown) => v is T, what: string): T => {
  const v = o[name];
  if (!check(v)) throw new RecordedError(line, name, v === undefined ? `missing (expected ${what})` : `expected ${what}, got ${short(v)}`);
  return v;
};
const isStr = (v: unknown): v is string => typeof v === 'string';
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrArr = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);
const REL = /^[WX][+-]0x[0-9a-f]+$/;

const memtypeOf = (o: Obj, line: number): RecordedMemtype[] | null => {
  const v = o.memtype;
  if (v === null) return null;
  if (!Array.isArray(v)) throw new RecordedError(line, 'memtype', `expected an array or null, got ${short(v)}`);
  return v.map((m, i) => {
    const f = `memtype.${i}`;
    if (!isObj(m)) throw new RecordedError(line, f, `expected an object, got ${short(m)}`);
    onlyKnown(m, line, FIELDS.memtype, `${f}.`);
    for (const k of ['start', 'end'] as const)
      if (!isStr(m[k]) || !REL.test(m[k] as string)) throw new RecordedError(line, `${f}.${k}`, `expected "X+0x...", got ${short(m[k])}`);
    if (!isStr(m.type)) throw new RecordedError(line, `${f}.type`, `expected a type name, got ${short(m.type)}`);
    if (!isInt(m.count) || (m.count as number) < 1) throw new RecordedError(line, `${f}.count`, `expected a count >= 1, got ${short(m.count)}`);
    return { start: m.start as string, end: m.end as string, type: m.type as string, count: m.count as number };
  });
};

const vmasOf = (o: Obj, line: number): RecordedVma[] => {
  const v = o.vmas;
  if (!Array.isArray(v)) throw new RecordedError(line, 'vmas', v === undefined ? 'missing (expected an array)' : `expected an array, got ${short(v)}`);
  return v.map((m, i) => {
    const f = `vmas.${i}`;
    if (!isObj(m)) throw new RecordedError(line, f, `expected an object, got ${short(m)}`);
    onlyKnown(m, line, FIELDS.vma, `${f}.`);
    if (isStr(m.error)) throw new RecordedError(line, `${f}.error`, `the program could not read a VMA list: ${short(m.error)}`);
    if (!isInt(m.pid)) throw new RecordedError(line, `${f}.pid`, `expected a pid, got ${short(m.pid)}`);
    for (const k of ['start', 'end'] as const)
      if (!isStr(m[k]) || !REL.test(m[k] as string)) throw new RecordedError(line, `${f}.${k}`, `expected "W+0x...", got ${short(m[k])}`);
    for (const k of ['pf', 'ar'] as const) if (!isBool(m[k])) throw new RecordedError(line, `${f}.${k}`, `expected true or false, got ${short(m[k])}`);
    return { pid: m.pid as number, start: m.start as string, end: m.end as string, pf: m.pf as boolean, ar: m.ar as boolean };
  });
};

const commandAt = (v: unknown, line: number): Command => {
  if (!isObj(v)) throw new RecordedError(line, 'cmd', v === undefined ? 'missing (expected the model command)' : `expected an object, got ${short(v)}`);
  const r = decodeCommand(v);
  if ('error' in r) throw new RecordedError(line, r.error.path ? `cmd.${r.error.path}` : 'cmd', `not a model command: expected ${r.error.expected}, got ${short(r.error.value)}`);
  if ('unknown' in r) throw new RecordedError(line, `cmd.${r.unknown.path}`, `unknown field of a command (known: ${r.unknown.known.join(', ')})`);
  return r.command;
};

/** The address an mmap call asked with MAP_FIXED_NOREPLACE (the model's mmap(NULL)). */
const hintOf = (call: string): string | undefined => /^mmap\(([WX][+-]0x[0-9a-f]+), [^)]*MAP_FIXED_NOREPLACE/.exec(call)?.[1];

/** Parse a recorded run; throws RecordedError. */
export const parseRecorded = (text: string): RecordedRun => parseRecordedLines(linesOfText(text));

/** Parse a recorded run from its lines, read one at a time (a file is streamed: src/util/input.ts); throws RecordedError. */
export const parseRecordedLines = (rows: Iterable<string>): RecordedRun => {
  try {
    return fromRecords(records(rows));
  } catch (e) {
    // the reader's errors (a line too long, bytes that are not UTF-8, bad JSON) as RecordedError
    if (e instanceof InputError && !(e instanceof RecordedError)) throw new RecordedError(e.line, e.field, e.detail);
    throw e;
  }
};

/** The non-blank lines as objects, with their line numbers. */
const records = (rows: Iterable<string>): { line: number; o: Obj }[] => {
  const recs: { line: number; o: Obj }[] = [];
  let line = 0;
  for (const raw of rows) {
    line++;
    if (isBlank(raw)) continue;
    const o = jsonAt(raw, line);
    if (!isObj(o)) throw new RecordedError(line, undefined, 'expected a JSON object');
    if (recs.length >= MAX_RECORDS) throw new RecordedError(line, undefined, `more than ${MAX_RECORDS.toLocaleString('en-US')} records (the limit of a recording)`);
    recs.push({ line, o });
  }
  return recs;
};

const fromRecords = (recs: readonly { line: number; o: Obj }[]): RecordedRun => {
  if (recs.length === 0) throw new RecordedError(1, undefined, `empty file: expected a header {"format":"${RUN_FORMAT}","version":${RUN_VERSION},...}`);
  const h = recs[0];
  if (h.o.format !== RUN_FORMAT) throw new RecordedError(h.line, 'format', `not a recorded kernel run: the first line must be {"format":"${RUN_FORMAT}",...}`);
  if (h.o.version === 1)
    throw new RecordedError(
      h.line,
      'version',
      'version 1 is the run of a hand-written program (kernel/examples): it carries no model commands; conform reads the runs of `pfnmap repro` programs (version 2)',
    );
  if (h.o.version !== RUN_VERSION) throw new RecordedError(h.line, 'version', `unsupported version ${short(h.o.version)} (this tool reads ${RUN_VERSION})`);
  onlyKnown(h.o, h.line, FIELDS.header);
  const kernel = field(h.o, h.line, 'kernel', isStr, 'the kernel release');
  const program = field(h.o, h.line, 'program', isStr, 'the program name');

  const fatal = recs.find((r) => r.o.call === 'fatal');
  if (fatal) throw new RecordedError(fatal.line, 'error', `the program failed in setup: ${typeof fatal.o.error === 'string' ? printable(fatal.o.error, 200) : short(fatal.o.error)}`);

  const init = recs[1];
  if (!init || init.o.call !== 'init') throw new RecordedError(init?.line ?? h.line + 1, 'call', 'expected the "init" record after the header');
  onlyKnown(init.o, init.line, FIELDS.init);
  const model = field(init.o, init.line, 'model', isObj, 'the model object {design, source, config}');
  onlyKnown(model, init.line, FIELDS.model, 'model.');
  const design = field(model, init.line, 'design', isStr, 'a design name');
  const parsed = parseDesign(design);
  if (typeof parsed === 'string') throw new RecordedError(init.line, 'model.design', parsed);
  const source = isStr(model.source) ? model.source : '';
  if (model.config === undefined) throw new RecordedError(init.line, 'model.config', 'missing (expected the config the program was generated from)');
  const u = decodeConfig(model.config);
  if ('error' in u) throw new RecordedError(init.line, u.field ? `model.config.${u.field}` : 'model.config', u.detail);
  const xs = field(init.o, init.line, 'X', isStr, 'the slice base "0x..."');
  if (!/^0x[0-9a-f]+$/.test(xs)) throw new RecordedError(init.line, 'X', `expected "0x...", got ${short(xs)}`);
  const debugpat = field(init.o, init.line, 'debugpat', isBool, 'true or false');
  const mtrr = isStr(init.o.mtrr) ? init.o.mtrr : 'unknown';
  const initKlog = isStrArr(init.o.klog) ? init.o.klog : [];
  // not compared (the tree is empty before the first step), but refused if malformed
  if (init.o.memtype !== undefined) memtypeOf(init.o, init.line);
  const linux = isStr(h.o.linux) ? h.o.linux : (/Debian (\d+\.\d+(?:\.\d+)?)/.exec(isStr(init.o.kernel_version) ? init.o.kernel_version : '')?.[1] ?? '');

  const steps: RecordedStep[] = [];
  let end: RecordedRun['end'] | undefined;
  for (const { line, o } of recs.slice(2)) {
    if (end) throw new RecordedError(line, 'call', 'a record after "end"');
    const call = field(o, line, 'call', isStr, 'the call text');
    const step = field(o, line, 'step', isInt, 'the step number');
    if (call === 'end') {
      onlyKnown(o, line, FIELDS.end);
      if (o.vmas !== undefined) vmasOf(o, line);
      end = {
        line,
        klog: field(o, line, 'klog', isStrArr, 'an array of log lines'),
        memtype: memtypeOf(o, line),
        killed: isInt(o.killed) ? o.killed : 0,
      };
      continue;
    }
    if (step !== steps.length + 1) throw new RecordedError(line, 'step', `expected step ${steps.length + 1}, got ${step}`);
    onlyKnown(o, line, FIELDS.step);
    if (o.expect !== undefined) {
      if (!isObj(o.expect)) throw new RecordedError(line, 'expect', `expected an object, got ${short(o.expect)}`);
      onlyKnown(o.expect, line, FIELDS.expect, 'expect.');
    }
    steps.push({
      step,
      line,
      pid: field(o, line, 'pid', isInt, 'the model pid'),
      call,
      cmd: commandAt(o.cmd, line),
      implicit: o.implicit === true,
      hint: hintOf(call),
      ret: field(o, line, 'ret', isStr, 'the rendered result'),
      errno: field(o, line, 'errno', isInt, 'an errno number'),
      klog: field(o, line, 'klog', isStrArr, 'an array of log lines'),
      memtype: memtypeOf(o, line),
      vmas: vmasOf(o, line),
    });
  }
  if (!end) throw new RecordedError(recs[recs.length - 1].line, 'call', 'the run is cut short: no "end" record (the program was killed or timed out?)');
  return { kernel, linux, program, X: Number(xs), debugpat, mtrr, design, source, universe: u, initLine: init.line, initKlog, steps, end };
};
