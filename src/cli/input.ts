/**
 * The CLI's side of reading input files (the reading itself is src/util/input.ts, through
 * Io.readLines): every input error becomes one line naming the file, then the line and the
 * field, and exit 2.
 */
import { InputError, jsonInputError, documentOf } from '../util/input.ts';
import { JsonError, scanJson } from '../util/json.ts';
import { printable } from '../util/quote.ts';
import { UsageError } from './args.ts';
import type { Io } from './main.ts';

/** An input error at a line of a file, as the CLI's one-line usage error. */
export const inFile = (file: string, e: InputError): UsageError => new UsageError(`${printable(file, 200)}:${e.message}`);

/** Parse a file with a line parser (parseLogLines, parseRecordedLines); its errors name the file. */
export const readInput = <T>(io: Io, file: string, parse: (lines: Iterable<string>) => T): T => {
  try {
    return parse(io.readLines(file));
  } catch (e) {
    if (e instanceof InputError) throw inFile(file, e);
    throw e;
  }
};

/** A JSON document read whole (a config, a list of commands), and the line each field is on. */
export interface JsonDocument {
  readonly value: unknown;
  /** the line of a field ('.'-joined keys and indices), or of the nearest enclosing one that is in the file; 1 if none */
  readonly lineOf: (field: string | undefined) => number;
}

/** Read a JSON document (strict JSON: util/json.ts); errors name the file, line and field. */
export const readJsonDocument = (io: Io, file: string): JsonDocument => {
  let text: string;
  try {
    text = documentOf(io.readLines(file));
  } catch (e) {
    if (e instanceof InputError) throw inFile(file, e);
    throw e;
  }
  let offsets: ReadonlyMap<string, number>;
  try {
    offsets = scanJson(text, { keyOffsets: true }).keyOffsets!;
  } catch (e) {
    if (e instanceof JsonError) throw inFile(file, jsonInputError(e, text, 1));
    throw e;
  }
  const lineAt = (offset: number): number => {
    let line = 1;
    for (let k = text.indexOf('\n'); k >= 0 && k < offset; k = text.indexOf('\n', k + 1)) line++;
    return line;
  };
  return {
    value: JSON.parse(text),
    lineOf: (field) => {
      for (let f = field ?? ''; f; f = f.includes('.') ? f.slice(0, f.lastIndexOf('.')) : '') {
        const at = offsets.get(f);
        if (at !== undefined) return lineAt(at);
      }
      return 1;
    },
  };
};
