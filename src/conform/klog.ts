/**
 * The PAT lines of a recorded kernel log, as events with physical addresses relative to the
 * slice base X (the kernel prints absolute addresses, `[mem a-b]` with b inclusive). Lines
 * that say nothing about the tree ("Overlap at", the "conflicting memory types" line that
 * precedes "memtype_reserve failed", call-trace frames) are dropped.
 */
import { xRel, type PatEvent } from '../repro/predict.ts';

const ADDR = '(0x[0-9a-fA-F]+)';
const TYPE = '([a-z-]+)';
const RESERVE = new RegExp(`memtype_reserve added \\[mem ${ADDR}-${ADDR}\\], track ${TYPE}, req ${TYPE}, ret ${TYPE}`);
const RESERVE_FAILED = new RegExp(`memtype_reserve failed \\[mem ${ADDR}-${ADDR}\\]`);
const FREE = new RegExp(`memtype_free request \\[mem ${ADDR}-${ADDR}\\]`);
const INVALID = new RegExp(`freeing invalid memtype \\[mem ${ADDR}-${ADDR}\\]`);
const MISMATCH = new RegExp(`map pfn expected mapping type ${TYPE} for \\[mem ${ADDR}-${ADDR}\\], got ${TYPE}`);
const WARNING = /WARNING: .* at \S+ ([A-Za-z0-9_.]+)\+0x/;
const WARNING_PLAIN = /WARNING: /;

export interface KlogEvent {
  readonly event: PatEvent;
  /** the line it came from */
  readonly text: string;
  /** every address of the line lies in [X, X + size) */
  readonly inSlice: boolean;
}

/** One kernel log line → an event, or null for lines without a tree effect. */
export const parseKlogLine = (line: string, X: number, sliceSize: number): KlogEvent | null => {
  const rel = (a: string, inclusive = false): { s: string; n: number } => {
    const n = Number.parseInt(a, 16) + (inclusive ? 1 : 0) - X;
    return { s: xRel(n), n };
  };
  const range = (a: string, b: string) => {
    const s = rel(a);
    const e = rel(b, true);
    return { start: s.s, end: e.s, inSlice: s.n >= 0 && e.n <= sliceSize };
  };
  let m: RegExpExecArray | null;
  if ((m = RESERVE.exec(line))) {
    const r = range(m[1], m[2]);
    return { event: { kind: 'reserve', start: r.start, end: r.end, type: m[3] }, text: line, inSlice: r.inSlice };
  }
  if ((m = RESERVE_FAILED.exec(line))) {
    const r = range(m[1], m[2]);
    return { event: { kind: 'reserve_failed', start: r.start, end: r.end }, text: line, inSlice: r.inSlice };
  }
  if ((m = FREE.exec(line))) {
    const r = range(m[1], m[2]);
    return { event: { kind: 'free', start: r.start, end: r.end }, text: line, inSlice: r.inSlice };
  }
  if ((m = INVALID.exec(line))) {
    const r = range(m[1], m[2]);
    return { event: { kind: 'invalid_free', start: r.start, end: r.end }, text: line, inSlice: r.inSlice };
  }
  if ((m = MISMATCH.exec(line))) {
    const r = range(m[2], m[3]);
    return { event: { kind: 'type_mismatch', start: r.start, end: r.end, got: m[4] }, text: line, inSlice: r.inSlice };
  }
  if ((m = WARNING.exec(line))) return { event: { kind: 'warn', where: m[1] }, text: line, inSlice: true };
  if (WARNING_PLAIN.test(line)) return { event: { kind: 'warn', where: 'unknown' }, text: line, inSlice: true };
  return null;
};

/** The events of a step's log lines that concern the slice. */
export const klogEvents = (lines: readonly string[], X: number, sliceSize: number): KlogEvent[] =>
  lines.map((l) => parseKlogLine(l, X, sliceSize)).filter((e): e is KlogEvent => e !== null && e.inSlice);
