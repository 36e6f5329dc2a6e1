/**
 * The data of one trace as the page embeds it: an event log replayed (src/replay/steps.ts),
 * every event's text in kernel vocabulary (src/events/format.ts), and the state after every
 * event as a row of part numbers (view.ts cuts a state into parts; each distinct part is
 * stored once). Rows are stored as changes from the row before, so a 10,000-step log stays
 * a few megabytes; the page rebuilds the rows once when it opens.
 */
import type { Event } from '../events/codecs.ts';
import { eventText } from '../events/format.ts';
import type { ParsedLog } from '../events/logFormat.ts';
import { replaySteps } from '../replay/steps.ts';
import type { ReplayResult } from '../replay/replay.ts';
import type { Bytes } from '../state/access.ts';
import type { View } from '../state/describe.ts';
import { layoutOf } from '../state/layout.ts';
import { geometryOf, stateView, type CtxPart, type EntryPart, type Geometry, type HeaderPart, type KernelPart, type ProcPart } from './view.ts';

/** How an event is drawn: a command that opens a step (ok or failed), a fact, or an error fact. */
export type EventClass = 'command' | 'failed-command' | 'fact' | 'error';
const CLASS_CODE: Record<EventClass, string> = { command: 'c', 'failed-command': 'C', fact: 'f', error: 'e' };

export interface TraceViolation {
  readonly invariant: string;
  readonly kind: 'safety' | 'quality';
  readonly message: string;
  /** 0-based event after which it broke (and stayed broken to the step's end) */
  readonly event: number;
  /** 1-based step */
  readonly step: number;
}

export interface TraceData {
  readonly label: string;
  readonly design: string;
  readonly config: string;
  readonly geometry: Geometry;
  /** the distinct parts; index 0 of `procs` is the dead address space (null) */
  readonly parts: {
    readonly procs: readonly (ProcPart | null)[];
    readonly ctxs: readonly (readonly CtxPart[])[];
    readonly kernel: readonly (readonly KernelPart[])[];
    readonly tree: readonly (readonly EntryPart[])[];
    readonly header: readonly HeaderPart[];
  };
  /** a state's row: one part number per address space slot, then ctxs, kernel, tree, header */
  readonly initial: readonly number[];
  /** per applied event: the number of slots that changed, then (slot, part) pairs */
  readonly changes: readonly number[];
  /** events that applied (the rest were not: a rejection stopped the replay) */
  readonly applied: number;
  readonly events: readonly string[];
  /** one letter per event: c command, C failed command, f fact, e error (eventClass) */
  readonly classes: string;
  /** the 0-based index of the first event of each step */
  readonly stepStart: readonly number[];
  readonly violations: readonly TraceViolation[];
  readonly rejection?: { readonly event: number; readonly line: number; readonly message: string };
  /** one line: what replay concluded */
  readonly verdict: string;
}

/** Which of the event's fields say it failed: a negative `ret`, a failed free, a WARN. */
export const eventClass = (e: Event): EventClass => {
  const failed = 'ret' in e && typeof e.ret === 'number' && e.ret < 0;
  if (e.type === 'syscall' || e.type === 'kernel_call') return failed || (e.type === 'syscall' && e.signal) ? 'failed-command' : 'command';
  if (failed || e.type === 'warn') return 'error';
  return 'fact';
};

class Interner<T> {
  readonly items: T[] = [];
  private readonly index = new Map<string, number>();
  constructor(first?: T) {
    if (first !== undefined) this.add(first);
  }
  add(x: T): number {
    const k = JSON.stringify(x);
    let i = this.index.get(k);
    if (i === undefined) {
      i = this.items.length;
      this.items.push(x);
      this.index.set(k, i);
    }
    return i;
  }
}

const verdictOf = (r: ReplayResult): string => {
  if (r.rejection) return `REJECTED at event ${r.rejection.event + 1} (line ${r.rejection.line}): ${r.rejection.type} cannot apply: ${r.rejection.message}`;
  if (r.violation) return `VIOLATION of ${r.violation.invariant} at step ${r.violation.step}: ${r.violation.message}`;
  return `OK: every checked invariant holds at the end of every step (${r.events} events in ${r.steps} steps)`;
};

/** Replay a log and collect what the page shows of it. */
export const traceData = (log: ParsedLog, label: string): TraceData => {
  const { result, initial, states, stepOf } = replaySteps(log);
  const w: View = { u: log.universe, L: layoutOf(log.universe), design: log.design };
  const procs = new Interner<ProcPart | null>(null);
  const ctxs = new Interner<readonly CtxPart[]>();
  const kernel = new Interner<readonly KernelPart[]>();
  const tree = new Interner<readonly EntryPart[]>();
  const header = new Interner<HeaderPart>();
  /** rows of states already seen (a marker event leaves the state as it was; walks revisit states) */
  const rows = new Map<string, number[]>();
  const rowOf = (s: Bytes): number[] => {
    const key = Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString('latin1');
    let row = rows.get(key);
    if (!row) {
      const v = stateView(w, s);
      row = [...v.procs.map((p) => procs.add(p)), ctxs.add(v.ctxs), kernel.add(v.kernel), tree.add(v.tree), header.add(v.header)];
      rows.set(key, row);
    }
    return row;
  };
  const first = rowOf(initial);
  const changes: number[] = [];
  let prev = first;
  for (const s of states) {
    const row = rowOf(s);
    const at = changes.length;
    changes.push(0);
    for (let k = 0; k < row.length; k++)
      if (row[k] !== prev[k]) {
        changes.push(k, row[k]);
        changes[at]++;
      }
    prev = row;
  }
  const stepStart: number[] = [];
  const stepAt = (i: number): number => (i < stepOf.length ? stepOf[i] : result.steps);
  for (let i = 0; i < log.events.length; i++) if (i === 0 || stepAt(i) !== stepAt(i - 1)) stepStart.push(i);
  return {
    label,
    design: log.design.name,
    config: log.universe.name,
    geometry: geometryOf(w),
    parts: { procs: procs.items, ctxs: ctxs.items, kernel: kernel.items, tree: tree.items, header: header.items },
    initial: first,
    changes,
    applied: states.length,
    events: log.events.map(eventText),
    classes: log.events.map((e) => CLASS_CODE[eventClass(e)]).join(''),
    stepStart,
    violations: [...result.violations, ...result.quality]
      .sort((a, b) => a.event - b.event)
      .map((v) => ({ invariant: v.invariant, kind: v.kind, message: v.message, event: v.event, step: v.step })),
    rejection: result.rejection ? { event: result.rejection.event, line: result.rejection.line, message: `${result.rejection.type} cannot apply: ${result.rejection.message}` } : undefined,
    verdict: verdictOf(result),
  };
};
