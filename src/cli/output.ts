/**
 * Writing output files (--out, -o, repro --corpus): the one way the CLI writes a file.
 *
 * - The path is checked before the work that produces it (checkOutputPath): a missing
 *   directory, a directory given as the file, a read-only place are found before a search
 *   of an hour, not after it.
 * - A regular file is written atomically: the text goes to a temporary file in the same
 *   directory (so the rename stays on one file system), is flushed to the disk (fsync), and
 *   is renamed over the target; then the directory is flushed. A reader sees the old file or
 *   the new one, never a truncated one, whatever happens meanwhile (a full disk, a kill); a
 *   failed write removes the temporary file and leaves the old file as it was. A stop signal
 *   during the write waits until it is done (signals.ts). An existing file keeps its mode; a
 *   symbolic link is followed (the file it names is replaced, the link stays).
 * - Anything else that exists (a character device such as /dev/null, a pipe), and any path
 *   under /dev/ or /proc/ (/dev/stdout may lead to the file the shell redirected stdout to),
 *   is written in place: it cannot, or must not, be replaced by a rename.
 * - Every failure is an OutputError: one line naming the path and the reason (ENOSPC is
 *   "no space left on the device"), exit 2 in the CLI.
 */
import fs from 'node:fs';
import path from 'node:path';
import { printable } from '../util/quote.ts';
import { holdingSignals } from './signals.ts';

/** An output that cannot be written: one line naming it and the reason. */
export class OutputError extends Error {}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EIO: 'I/O error',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOENT: 'no such directory',
  ENOTDIR: 'a component of the path is not a directory',
  EISDIR: 'is a directory (expected a file name)',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many symbolic links',
  EPIPE: 'the reader closed the pipe',
  ENXIO: 'no reader on the pipe or no such device',
  EEXIST: 'a file of that name exists',
};

/** The reason of a failed system call, in words, with its code. */
export const reasonOf = (e: unknown): string => {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code ? `${REASONS[code] ?? 'failed'} (${code})` : printable(String((e as Error)?.message ?? e), 120);
};

const fail = (file: string, e: unknown, what = 'cannot write'): OutputError => new OutputError(`${what} ${printable(file, 200)}: ${reasonOf(e)}`);

const statOrNull = (p: string): fs.Stats | null => {
  try {
    return fs.statSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fail(p, e);
  }
};

/** Refuse an output path that cannot be written (OutputError), before the work that produces it. */
export const checkOutputPath = (file: string): void => {
  if (file === '') throw new OutputError('an output path is empty');
  const st = statOrNull(file);
  if (st?.isDirectory()) throw fail(file, { code: 'EISDIR' });
  try {
    if (st && !st.isFile()) {
      fs.accessSync(file, fs.constants.W_OK);
      return;
    }
    const dir = path.dirname(st ? fs.realpathSync(file) : file);
    const dst = statOrNull(dir);
    if (!dst) throw { code: 'ENOENT' };
    if (!dst.isDirectory()) throw { code: 'ENOTDIR' };
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
    if (st) fs.accessSync(file, fs.constants.W_OK);
  } catch (e) {
    if (e instanceof OutputError) throw e;
    throw fail(file, e);
  }
};

/** Write every byte of bytes to descriptor fd. */
export const writeAll = (fd: number, bytes: Uint8Array): void => {
  for (let done = 0; done < bytes.length; ) {
    try {
      done += fs.writeSync(fd, bytes, done, bytes.length - done);
    } catch (e) {
      // a descriptor left non-blocking (a pipe shared with another process): wait, then go on
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
};

/** The descriptor a path names in this process (/dev/stdout, /dev/fd/N, /proc/self/fd/N), if it names one. */
const ownDescriptor = (file: string): number | undefined => {
  const m = /^\/(?:dev\/(stdout|stderr)|dev\/fd\/(\d+)|proc\/self\/fd\/(\d+))$/.exec(file);
  return !m ? undefined : m[1] ? (m[1] === 'stdout' ? 1 : 2) : Number(m[2] ?? m[3]);
};

/**
 * Write text to a device, a pipe or a descriptor path. One of the process's own descriptors
 * is written through itself, so the text lands where that descriptor is (after the report
 * already written to stdout, in a file the shell redirected it to); anything else is opened
 * for appending.
 */
const writeInPlace = (file: string, bytes: Uint8Array): void => {
  const own = ownDescriptor(file);
  let fd = -1;
  try {
    if (own !== undefined) return writeAll(own, bytes);
    fd = fs.openSync(file, 'a');
    writeAll(fd, bytes);
  } catch (e) {
    throw fail(file, e);
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
};

/**
 * Paths written in place even when they lead to a regular file: /dev/stdout and
 * /proc/self/fd/N name a descriptor the process (or its shell) holds open, and a rename over
 * the file it leads to would leave that descriptor writing to a file no longer there.
 */
const DESCRIPTOR_PATH = /^\/(dev|proc)\//;

/** Write an output file (see the top of this file); throws OutputError. */
export const writeOutput = (file: string, text: string): void => {
  checkOutputPath(file);
  const bytes = Buffer.from(text, 'utf8');
  const st = statOrNull(file);
  if (st && (!st.isFile() || DESCRIPTOR_PATH.test(file))) return writeInPlace(file, bytes);
  const target = st ? fs.realpathSync(file) : file;
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  holdingSignals(() => {
    let fd = -1;
    try {
      fd = fs.openSync(tmp, 'wx', 0o666);
      if (st) fs.fchmodSync(fd, st.mode & 0o7777);
      writeAll(fd, bytes);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fd = -1;
      fs.renameSync(tmp, target);
    } catch (e) {
      if (fd >= 0) fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw fail(file, e);
    }
  });
  // the rename is durable once the directory is flushed (best effort: not every system allows it)
  try {
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // the file is whole and in place; only its durability across a crash is less certain
  }
};

/** Make a directory for outputs (repro --corpus), with the same errors. */
export const makeOutputDirectory = (dir: string): void => {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw fail(dir, e, 'cannot create the directory');
  }
};
