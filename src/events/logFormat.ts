/**
 * The event log format: NDJSON, versioned. Line 1 is the header naming the format, its
 * version, the design and the full config (so a log is self-contained); every further line
 * is one event. Blank lines are allowed; anything else that is not an event is an error
 * naming the line and the field.
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { decodeConfig } from '../state/config.ts';
import { parseDesign, type Design } from '../state/design.ts';
import type { Universe } from '../state/universe.ts';
import { Event, EVENT_TYPES, type EventType } from './codecs.ts';
import { deepestError } from './decodeError.ts';

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

export class LogError extends Error {
  constructor(
    readonly line: number,
    readonly field: string | undefined,
    message: string,
  ) {
    super(`line ${line}${field ? `, field '${field}'` : ''}: ${message}`);
  }
}

export const encodeLog = (design: Design, universe: Universe, events: readonly Event[]): string =>
  [JSON.stringify({ format: LOG_FORMAT, version: LOG_VERSION, design: design.name, config: universe }), ...events.map((e) => JSON.stringify(e))].join('\n') +
  '\n';

/** The field names a codec knows (t.type / t.partial / their intersection). */
const keysOf = (c: t.Mixed): Set<string> => {
  const x = c as unknown as { props?: object; types?: t.Mixed[] };
  if (x.props) return new Set(Object.keys(x.props));
  if (x.types) return new Set(x.types.flatMap((y) => [...keysOf(y)]));
  return new Set();
};

const codecByType = new Map<string, t.Mixed>(Event.types.map((c, i) => [EVENT_TYPES[i], c as t.Mixed]));

const short = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 48 ? s.slice(0, 45) + '...' : s;
};

/** Decode one event object; throws LogError naming the field. */
export const decodeEvent = (obj: unknown, line: number): Event => {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new LogError(line, undefined, 'an event must be a JSON object');
  const type = (obj as { type?: unknown }).type;
  if (typeof type !== 'string') throw new LogError(line, 'type', 'missing event type');
  const codec = codecByType.get(type);
  if (!codec) throw new LogError(line, 'type', `unknown event type ${short(type)}`);
  const r = codec.decode(obj);
  if (isLeft(r)) {
    const e = deepestError(r.left);
    throw new LogError(line, e.path || undefined, `expected ${e.expected}, got ${short(e.value)}`);
  }
  const known = keysOf(codec);
  for (const k of Object.keys(obj as object)) if (!known.has(k)) throw new LogError(line, k, `unknown field for a ${type} event (known: ${[...known].join(', ')})`);
  return r.right as Event;
};

/** Parse a whole log text; throws LogError. */
export const parseLog = (text: string): ParsedLog => {
  const rows = text.split('\n');
  let headerLine = 0;
  while (headerLine < rows.length && rows[headerLine].trim() === '') headerLine++;
  if (headerLine >= rows.length) throw new LogError(1, undefined, 'empty log: expected a header line {"format":"pfnmap-events",...}');
  let header: unknown;
  try {
    header = JSON.parse(rows[headerLine]);
  } catch (e) {
    throw new LogError(headerLine + 1, undefined, `bad JSON in the header: ${(e as Error).message}`);
  }
  const h = header as Partial<LogHeader> & Record<string, unknown>;
  if (typeof h !== 'object' || h === null || h.format !== LOG_FORMAT)
    throw new LogError(headerLine + 1, 'format', `missing header: the first line must be {"format":"${LOG_FORMAT}","version":${LOG_VERSION},"design":...,"config":{...}}`);
  if (h.version !== LOG_VERSION) throw new LogError(headerLine + 1, 'version', `unsupported version ${short(h.version)} (this tool reads ${LOG_VERSION})`);
  if (typeof h.design !== 'string') throw new LogError(headerLine + 1, 'design', 'expected a design name');
  const design = parseDesign(h.design);
  if (typeof design === 'string') throw new LogError(headerLine + 1, 'design', design);
  const universe = decodeConfig(h.config ?? {});
  if ('error' in universe) throw new LogError(headerLine + 1, 'config', universe.error);
  const events: Event[] = [];
  const lines: number[] = [];
  for (let i = headerLine + 1; i < rows.length; i++) {
    const row = rows[i].trim();
    if (row === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(row);
    } catch (e) {
      throw new LogError(i + 1, undefined, `bad JSON: ${(e as Error).message}`);
    }
    events.push(decodeEvent(obj, i + 1));
    lines.push(i + 1);
  }
  return { design, universe, events, lines };
};

export const isStepStart = (t: EventType): boolean => t === 'syscall' || t === 'kernel_call';
