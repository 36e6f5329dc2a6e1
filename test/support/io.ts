/**
 * An in-memory Io for CLI tests: captures stdout/stderr lines; reads a file from `files`
 * (text), `bytes` (checked as a file's bytes are) or else the real file, through the same readers
 * as the real CLI (src/util/input.ts); writes into `files`; checks output paths for real.
 */
import { checkOutputPath } from '../../src/cli/output.ts';
import type { Io } from '../../src/cli/main.ts';
import { linesOfBytes, linesOfFile, linesOfText } from '../../src/util/input.ts';

export const memIo = () => {
  const out: string[] = [];
  const err: string[] = [];
  const files = new Map<string, string>();
  /** input files given as bytes (read as a file's bytes are: UTF-8 checked) */
  const bytes = new Map<string, Uint8Array>();
  const readLines = (p: string): Iterable<string> => {
    const f = files.get(p);
    if (f !== undefined) return linesOfText(f);
    const b = bytes.get(p);
    return b ? linesOfBytes(b) : linesOfFile(p);
  };
  const io: Io = {
    out: (s) => out.push(...s.split('\n')),
    err: (s) => err.push(...s.split('\n')),
    readLines,
    writeFile: (p, t) => void files.set(p, t),
    checkOutput: (p) => checkOutputPath(p),
    isTTY: false,
  };
  return { io, out, err, files, bytes };
};
