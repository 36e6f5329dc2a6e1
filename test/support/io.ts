/** An in-memory Io for CLI tests: captures stdout/stderr lines, reads real files. */
import { readFileSync } from 'node:fs';
import type { Io } from '../../src/cli/main.ts';

export const memIo = () => {
  const out: string[] = [];
  const err: string[] = [];
  const files = new Map<string, string>();
  const io: Io = {
    out: (s) => out.push(...s.split('\n')),
    err: (s) => err.push(...s.split('\n')),
    readFile: (p) => files.get(p) ?? readFileSync(p, 'utf8'),
    writeFile: (p, t) => void files.set(p, t),
    isTTY: false,
  };
  return { io, out, err, files };
};
