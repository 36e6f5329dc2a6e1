/**
 * Reading input files: the one way every reader (event logs, recordings, configs, command
 * lists) gets its text. A file is read in chunks and handed on a line at a time, so its size
 * is bounded only by what the reader keeps, never by V8's longest string; a line longer than
 * MAX_LINE_CHARS is refused as soon as it is seen (no line is ever held beyond it); bytes that
 * are not UTF-8 are refused with their line; a whole-document reader (a config) is bounded by
 * MAX_DOCUMENT_CHARS. Errors are InputError (a line, maybe a field) or FileError (the file
 * could not be read at all), each one line with no input bytes raw in it.
 */
import fs from 'node:fs';
import { JsonError, scanJson } from './json.ts';
import { printable } from './quote.ts';

/** The longest line of an NDJSON input, in characters. */
export const MAX_LINE_CHARS = 1 << 20;
/** The longest JSON document read whole (a config, a list of commands), in characters. */
export const MAX_DOCUMENT_CHARS = 16 << 20;
/** The most records (events, recorded steps) one input file may hold. */
export const MAX_RECORDS = 1_000_000;
/** The most lines, blank ones included, one input file may have. */
export const MAX_LINES = 10_000_000;

/** Bad input at a line (1-based; none for a value given to the library) and maybe a field: a one-line message. */
export class InputError extends Error {
  constructor(
    readonly line: number | undefined,
    readonly field: string | undefined,
    readonly detail: string,
  ) {
    const where = [line === undefined ? '' : `line ${line}`, field ? `field '${printable(field)}'` : ''].filter(Boolean).join(', ');
    super(where ? `${where}: ${detail}` : detail);
  }
}

/** An input file that cannot be read at all (missing, a directory, unreadable). */
export class FileError extends Error {
  constructor(
    readonly path: string,
    readonly code: string,
  ) {
    super(`${printable(path, 200)}: ${FILE_ERRORS[code] ?? `cannot read (${code})`}`);
  }
}

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory (expected a file)',
  ENOTDIR: 'a component of the path is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'file name too long',
  EIO: 'I/O error while reading',
  ENXIO: 'no such device',
  NOTFILE: 'not a regular file, pipe or character device',
};

/** The JSON error as an InputError at line `line` of a document starting there (offsets → lines). */
export const jsonInputError = (e: JsonError, text: string, line: number, fieldPrefix = ''): InputError => {
  let l = line;
  let col = 1;
  for (let k = 0; k < e.offset && k < text.length; k++) {
    if (text.charCodeAt(k) === 0x0a) {
      l++;
      col = 1;
    } else col++;
  }
  const field = [fieldPrefix, e.path].filter(Boolean).join('.');
  return new InputError(l, field || undefined, `bad JSON at column ${col}: ${e.message}`);
};

/** A line that holds nothing but JSON whitespace (skipped by the NDJSON readers). */
export const isBlank = (line: string): boolean => /^[ \t\r]*$/.test(line);

/** Parse one line (or document) of strict JSON (json.ts); bad JSON is an InputError at its line. */
export const jsonAt = (text: string, line: number): unknown => {
  try {
    scanJson(text);
  } catch (e) {
    if (e instanceof JsonError) throw jsonInputError(e, text, line);
    throw e;
  }
  return JSON.parse(text);
};

/** Split chunks of text into lines (no '\n'; a trailing '\r' kept), refusing a line beyond the limit as soon as it grows past it. */
export function* splitLines(chunks: Iterable<string>, maxLine = MAX_LINE_CHARS, maxLines = MAX_LINES): Generator<string> {
  let pending: string[] = [];
  let pendingChars = 0;
  let line = 1;
  const tooLong = () => new InputError(line, undefined, `line longer than ${maxLine.toLocaleString('en-US')} characters (the limit of an input line)`);
  for (const chunk of chunks) {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', from);
      if (nl < 0) {
        const rest = chunk.length - from;
        if (pendingChars + rest > maxLine) throw tooLong();
        if (rest) {
          pending.push(chunk.slice(from));
          pendingChars += rest;
        }
        break;
      }
      if (pendingChars + nl - from > maxLine) throw tooLong();
      const text = pending.length ? pending.join('') + chunk.slice(from, nl) : chunk.slice(from, nl);
      pending = [];
      pendingChars = 0;
      yield text;
      if (++line > maxLines) throw new InputError(line, undefined, `more than ${maxLines.toLocaleString('en-US')} lines (the limit of an input file)`);
      from = nl + 1;
    }
  }
  if (pending.length) yield pending.join('');
}

/** The lines of a text held in memory (the library's parseLog(text)), with the same limits as a file. */
export const linesOfText = (text: string, maxLine = MAX_LINE_CHARS): Generator<string> => splitLines([text], maxLine);

/** The first byte offset in bytes[0..n) where UTF-8 is malformed, or -1 (a sequence cut at the end is not malformed). */
const badUtf8At = (bytes: Uint8Array, n: number): number => {
  for (let i = 0; i < n; ) {
    const b = bytes[i];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0) return i;
    for (let k = 1; k < len; k++) {
      if (i + k >= n) return -1;
      const c = bytes[i + k];
      const lo = k === 1 && b === 0xe0 ? 0xa0 : k === 1 && b === 0xf0 ? 0x90 : 0x80;
      const hi = k === 1 && b === 0xed ? 0x9f : k === 1 && b === 0xf4 ? 0x8f : 0xbf;
      if (c < lo || c > hi) return i;
    }
    i += len;
  }
  return -1;
};

/** Byte chunks as text; malformed UTF-8 is an InputError at its line (a BOM at the start is dropped). */
function* decodeUtf8(chunks: Iterable<Uint8Array>): Generator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  /** the line the next chunk starts on */
  let lines = 1;
  for (const bytes of chunks) {
    let text: string;
    try {
      text = decoder.decode(bytes, { stream: true });
    } catch {
      const at = Math.max(0, badUtf8At(bytes, bytes.length));
      let line = lines;
      for (let k = bytes.indexOf(0x0a); k >= 0 && k < at; k = bytes.indexOf(0x0a, k + 1)) line++;
      throw new InputError(line, undefined, `not UTF-8 text (byte 0x${bytes[at].toString(16).padStart(2, '0')})`);
    }
    for (let k = bytes.indexOf(0x0a); k >= 0; k = bytes.indexOf(0x0a, k + 1)) lines++;
    yield text;
  }
  let tail: string;
  try {
    tail = decoder.decode();
  } catch {
    throw new InputError(lines, undefined, 'not UTF-8 text (the input ends inside a character)');
  }
  if (tail) yield tail;
}

/** A file's bytes, chunkBytes at a time (the buffer is reused: each chunk is gone at the next). */
function* fileBytes(path: string, chunkBytes: number): Generator<Uint8Array> {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    if (!st.isFile() && !st.isFIFO() && !st.isCharacterDevice()) throw Object.assign(new Error('special file'), { code: 'NOTFILE' });
  } catch (e) {
    throw new FileError(path, (e as NodeJS.ErrnoException).code ?? 'EIO');
  }
  const buf = new Uint8Array(chunkBytes);
  try {
    for (;;) {
      let got: number;
      try {
        got = fs.readSync(fd, buf, 0, chunkBytes, null);
      } catch (e) {
        throw new FileError(path, (e as NodeJS.ErrnoException).code ?? 'EIO');
      }
      if (got === 0) return;
      yield buf.subarray(0, got);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** The lines of a file, streamed (see the top of this file). */
export const linesOfFile = (path: string, maxLine = MAX_LINE_CHARS, chunkBytes = 1 << 16): Generator<string> =>
  splitLines(decodeUtf8(fileBytes(path, chunkBytes)), maxLine);

/** The lines of bytes held in memory, checked as a file's are. */
export const linesOfBytes = (bytes: Uint8Array, maxLine = MAX_LINE_CHARS): Generator<string> => splitLines(decodeUtf8([bytes]), maxLine);

/** A whole document from its lines, refused beyond maxChars. */
export const documentOf = (lines: Iterable<string>, maxChars = MAX_DOCUMENT_CHARS): string => {
  const parts: string[] = [];
  let total = 0;
  let line = 0;
  for (const l of lines) {
    line++;
    total += l.length + 1;
    if (total > maxChars) throw new InputError(line, undefined, `longer than ${maxChars.toLocaleString('en-US')} characters (the limit of a JSON document)`);
    parts.push(l);
  }
  return parts.join('\n');
};
