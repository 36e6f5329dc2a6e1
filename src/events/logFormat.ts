/**
 * The event log format: NDJSON, versioned. Line 1 is the header naming the format, its
 * version, the design and the full config (so a log is self-contained); every further line
 * is one event. Blank lines are allowed; anything else that is not an event is an error
 * naming the line and the field. A file is read through src/util/input.ts (streamed, a line
 * length limit, strict JSON with a nesting limit and no duplicate keys).
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { decodeConfig } from '../state/config.ts';
import { parseDesign, type Design } from '../state/design.ts';
import type { Universe } from '../state/universe.ts';
import { InputError, isBlank, jsonAt, linesOfText, MAX_RECORDS } from '../util/input.ts';
import { quote } from '../util/quote.ts';
import { Event, EVENT_TYPES, type EventType } from './codecs.ts';
import { decodeCommand, deepestError, knownKeys, unknownField } from './decodeError.ts';

export const LOG_FORMAT = 'pfnmap-events';
export const LOG_VERSION = 1;

export interface LogHeader {
  readonly format: typeof LOG_FORMAT;
  readonly version: number;
  readonly design: string;
  readonly config: Universe;
}

export interface ParsedLog {
  readonly design: Design;
  readonly universe: Universe;
  readonly events: readonly Event[];
  /** 1-based line number of each event */
  readonly lines: readonly number[];
}

/** A log that cannot be read: the line, maybe the field, and what is wrong (one line, input quoted). */
export class LogError extends InputError {}

export const encodeLog = (design: Design, universe: Universe, events: readonly Event[]): string =>
  [JSON.stringify({ format: LOG_FORMAT, version: LOG_VERSION, design: design.name, config: universe }), ...events.map((e) => JSON.stringify(e))].join('\n') +
  '\n';

const codecByType = new Map<string, t.Mixed>(Event.types.map((c, i) => [EVENT_TYPES[i], c as t.Mixed]));

const HEADER_KEYS = ['format', 'version', 'design', 'config'];

/** Decode one event object; throws LogError naming the field. */
export const decodeEvent = (obj: unknown, line: number): Event => {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new LogError(line, undefined, 'an event must be a JSON object');
  const type = (obj as { type?: unknown }).type;
  if (typeof type !== 'string') throw new LogError(line, 'type', type === undefined ? 'missing event type' : `expected an event type name, got ${quote(type)}`);
  const codec = codecByType.get(type);
  if (!codec) throw new LogError(line, 'type', `unknown event type ${quote(type)}`);
  const known = knownKeys(codec);
  for (const k of Object.keys(obj)) if (!known.includes(k)) throw new LogError(line, k, `unknown field for a ${type} event (known: ${known.join(', ')})`);
  if ('cmd' in obj) {
    const c = decodeCommand((obj as { cmd: unknown }).cmd);
    if ('error' in c) throw new LogError(line, c.error.path ? `cmd.${c.error.path}` : 'cmd', `expected ${c.error.expected}, got ${quote(c.error.value)}`);
    if ('unknown' in c) throw new LogError(line, `cmd.${c.unknown.path}`, `unknown field of a command (known: ${c.unknown.known.join(', ')})`);
  }
  const r = codec.decode(obj);
  if (isLeft(r)) {
    const e = deepestError(r.left);
    throw new LogError(line, e.path || undefined, `expected ${e.expected}, got ${quote(e.value)}`);
  }
  const u = unknownField(codec, obj);
  if (u) throw new LogError(line, u.path, `unknown field (known: ${u.known.join(', ')})`);
  return r.right as Event;
};

/** Decode the header line; throws LogError. */
const decodeHeader = (h: unknown, line: number): { design: Design; universe: Universe } => {
  const usage = `the first line must be {"format":"${LOG_FORMAT}","version":${LOG_VERSION},"design":...,"config":{...}}`;
  if (typeof h !== 'object' || h === null || Array.isArray(h)) throw new LogError(line, undefined, `missing header: ${usage}`);
  const o = h as Record<string, unknown>;
  if (o.format !== LOG_FORMAT) throw new LogError(line, 'format', `missing header: ${usage}`);
  if (o.version !== LOG_VERSION) throw new LogError(line, 'version', `unsupported version ${quote(o.version)} (this tool reads ${LOG_VERSION})`);
  for (const k of Object.keys(o)) if (!HEADER_KEYS.includes(k)) throw new LogError(line, k, `unknown field of the header (known: ${HEADER_KEYS.join(', ')})`);
  if (typeof o.design !== 'string') throw new LogError(line, 'design', `expected a design name, got ${quote(o.design)}`);
  const design = parseDesign(o.design);
  if (typeof design === 'string') throw new LogError(line, 'design', design);
  // a log is self-contained: its config is written in full by encodeLog; a hand-written one
  // names at least {} (fields left out take their defaults)
  if (o.config === undefined) throw new LogError(line, 'config', 'missing: a log names its config (a partial one, even {}, takes the defaults for the rest)');
  const universe = decodeConfig(o.config);
  if ('error' in universe) throw new LogError(line, universe.field ? `config.${universe.field}` : 'config', universe.detail);
  return { design, universe };
};

/** Parse a whole log text; throws LogError. */
export const parseLog = (text: string): ParsedLog => parseLogLines(linesOfText(text));

/** Parse a log from its lines, read one at a time (a file is streamed: src/util/input.ts); throws LogError. */
export const parseLogLines = (rows: Iterable<string>): ParsedLog => {
  let header: { design: Design; universe: Universe } | undefined;
  const events: Event[] = [];
  const lines: number[] = [];
  let line = 0;
  try {
    for (const raw of rows) {
      line++;
      if (isBlank(raw)) continue;
      const obj = jsonAt(raw, line);
      if (!header) {
        header = decodeHeader(obj, line);
        continue;
      }
      if (events.length >= MAX_RECORDS) throw new LogError(line, undefined, `more than ${MAX_RECORDS.toLocaleString('en-US')} events (the limit of a log)`);
      events.push(decodeEvent(obj, line));
      lines.push(line);
    }
  } catch (e) {
    // the reader's errors (a line too long, bytes that are not UTF-8, bad JSON) as LogError
    if (e instanceof InputError && !(e instanceof LogError)) throw new LogError(e.line, e.field, e.detail);
    throw e;
  }
  if (!header) throw new LogError(1, undefined, `empty log: expected a header line {"format":"${LOG_FORMAT}",...}`);
  return { ...header, events, lines };
};

export const isStepStart = (t: EventType): boolean => t === 'syscall' || t === 'kernel_call';
