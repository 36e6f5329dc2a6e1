/**
 * Reading a recorded kernel run (format "pfnmap-kernel-run", version 2: what a program made by
 * `pfnmap repro` prints, docs/real-kernel.md). Line 1 the header, line 2 the "init" record
 * with the model (design, config) the program was generated from, then one record per step
 * with the model's command, then "end". Every error names the line and the field.
 */
import { isLeft } from 'fp-ts/lib/Either.js';
import { Command } from '../events/commands.ts';
import { deepestError } from '../events/decodeError.ts';
import { decodeConfig } from '../state/config.ts';
import type { Universe } from '../state/universe.ts';

export const RUN_FORMAT = 'pfnmap-kernel-run';
export const RUN_VERSION = 2;

export class RecordedError extends Error {
  constructor(
    readonly line: number,
    readonly field: string | undefined,
    message: string,
  ) {
    super(`line ${line}${field ? `, field '${field}'` : ''}: ${message}`);
  }
}

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

const short = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 48 ? s.slice(0, 45) + '...' : s;
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
    if (isStr(m.error)) throw new RecordedError(line, `${f}.error`, `the program could not read a VMA list: ${m.error}`);
    if (!isInt(m.pid)) throw new RecordedError(line, `${f}.pid`, `expected a pid, got ${short(m.pid)}`);
    for (const k of ['start', 'end'] as const)
      if (!isStr(m[k]) || !REL.test(m[k] as string)) throw new RecordedError(line, `${f}.${k}`, `expected "W+0x...", got ${short(m[k])}`);
    for (const k of ['pf', 'ar'] as const) if (!isBool(m[k])) throw new RecordedError(line, `${f}.${k}`, `expected true or false, got ${short(m[k])}`);
    return { pid: m.pid as number, start: m.start as string, end: m.end as string, pf: m.pf as boolean, ar: m.ar as boolean };
  });
};

const decodeCommand = (v: unknown, line: number): Command => {
  if (!isObj(v)) throw new RecordedError(line, 'cmd', v === undefined ? 'missing (expected the model command)' : `expected an object, got ${short(v)}`);
  const r = Command.decode(v);
  if (isLeft(r)) {
    const e = deepestError(r.left);
    throw new RecordedError(line, e.path ? `cmd.${e.path}` : 'cmd', `not a model command: expected ${e.expected}, got ${short(e.value)}`);
  }
  return r.right;
};

/** The address an mmap call asked with MAP_FIXED_NOREPLACE (the model's mmap(NULL)). */
const hintOf = (call: string): string | undefined => /^mmap\(([WX][+-]0x[0-9a-f]+), [^)]*MAP_FIXED_NOREPLACE/.exec(call)?.[1];

/** Parse a recorded run; throws RecordedError. */
export const parseRecorded = (text: string): RecordedRun => {
  const rows = text.split('\n');
  const recs: { line: number; o: Obj }[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i].trim();
    if (row === '') continue;
    let o: unknown;
    try {
      o = JSON.parse(row);
    } catch (e) {
      throw new RecordedError(i + 1, undefined, `bad JSON: ${(e as Error).message}`);
    }
    if (!isObj(o)) throw new RecordedError(i + 1, undefined, 'expected a JSON object');
    recs.push({ line: i + 1, o });
  }
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
  const kernel = field(h.o, h.line, 'kernel', isStr, 'the kernel release');
  const program = field(h.o, h.line, 'program', isStr, 'the program name');

  const fatal = recs.find((r) => r.o.call === 'fatal');
  if (fatal) throw new RecordedError(fatal.line, 'error', `the program failed in setup: ${String(fatal.o.error)}`);

  const init = recs[1];
  if (!init || init.o.call !== 'init') throw new RecordedError(init?.line ?? h.line + 1, 'call', 'expected the "init" record after the header');
  const model = field(init.o, init.line, 'model', isObj, 'the model object {design, source, config}');
  const design = field(model, init.line, 'design', isStr, 'a design name');
  const source = isStr(model.source) ? model.source : '';
  const u = decodeConfig(model.config ?? {});
  if ('error' in u) throw new RecordedError(init.line, 'model.config', u.error);
  const xs = field(init.o, init.line, 'X', isStr, 'the slice base "0x..."');
  if (!/^0x[0-9a-f]+$/.test(xs)) throw new RecordedError(init.line, 'X', `expected "0x...", got ${short(xs)}`);
  const debugpat = field(init.o, init.line, 'debugpat', isBool, 'true or false');
  const mtrr = isStr(init.o.mtrr) ? init.o.mtrr : 'unknown';
  const initKlog = isStrArr(init.o.klog) ? init.o.klog : [];
  const linux = isStr(h.o.linux) ? h.o.linux : (/Debian (\d+\.\d+(?:\.\d+)?)/.exec(isStr(init.o.kernel_version) ? init.o.kernel_version : '')?.[1] ?? '');

  const steps: RecordedStep[] = [];
  let end: RecordedRun['end'] | undefined;
  for (const { line, o } of recs.slice(2)) {
    if (end) throw new RecordedError(line, 'call', 'a record after "end"');
    const call = field(o, line, 'call', isStr, 'the call text');
    const step = field(o, line, 'step', isInt, 'the step number');
    if (call === 'end') {
      end = {
        line,
        klog: field(o, line, 'klog', isStrArr, 'an array of log lines'),
        memtype: memtypeOf(o, line),
        killed: isInt(o.killed) ? o.killed : 0,
      };
      continue;
    }
    if (step !== steps.length + 1) throw new RecordedError(line, 'step', `expected step ${steps.length + 1}, got ${step}`);
    steps.push({
      step,
      line,
      pid: field(o, line, 'pid', isInt, 'the model pid'),
      call,
      cmd: decodeCommand(o.cmd, line),
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
