/**
 * Fingerprint mode's files: what the search would otherwise hold in memory for every state
 * but reads back rarely or in order, kept on disk as TLC keeps its trace file and state queue.
 *
 * - TraceLinks: each state's parent id and action index (8 bytes a state: two little-endian
 *   int32), appended in id order through a write buffer, read back only to rebuild a
 *   counterexample or a reachability depth: a handful of reads at the end of a run.
 * - QueueSpill: whole chunks of packed states not yet expanded (the BFS queue), written once
 *   full and read back once, in order, when the search reaches them.
 * - LevelFile (the parallel search): the level its workers expand, in BFS order, written by
 *   the main thread once the level is sorted and read by the workers a chunk of positions
 *   at a time (positioned reads on the one descriptor, which every thread of the process
 *   shares); the next level overwrites it.
 *
 * So a stored state costs memory only for its fingerprint in the visited set. Each file is
 * made in a fresh directory under os.tmpdir() (TMPDIR chooses it) and unlinked, with its
 * directory, as soon as it is open: the search reads and writes it through its descriptor,
 * and the operating system frees its blocks when the descriptor closes, however the process
 * ends (close(), an exception, Ctrl-C, SIGKILL, a crash), so a killed run leaves nothing
 * behind. Where a file cannot be unlinked while open (not POSIX), it stays
 * until close() or the process's exit removes it. With enough free memory the operating
 * system keeps the files in its page cache, which is not the process's memory (and is given
 * back under pressure).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** records in the write buffer */
const BUFFER_RECORDS = 1 << 15;
const RECORD_BYTES = 8;

/** A spill file could not be created, written or read (a one-line reason, with the path). */
export class SpillError extends Error {}

const failed = (what: string, where: string, e: unknown): SpillError => {
  const err = e as NodeJS.ErrnoException;
  return new SpillError(`fingerprint mode: ${what} ${where} failed: ${err.code ?? err.message} (its trace links and queue go to temporary files; TMPDIR chooses their directory)`);
};

/** A search's spill files: each one open and already unlinked (see the top of this file). */
export class SpillFiles {
  private readonly fds: number[] = [];
  /** directories whose file could not be unlinked while open: removed by close() */
  private readonly kept: string[] = [];
  /** a process that exits with such a file still there (a search abandoned midway) removes it */
  private readonly onExit = (): void => this.close();

  /** Create a file of this name, open for reading and writing, with no name left on disk; its descriptor, and the path it had. */
  open(name: string): { fd: number; path: string } {
    let dir: string;
    try {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pfnmap-spill-'));
    } catch (e) {
      throw failed('creating a directory in', os.tmpdir(), e);
    }
    const file = path.join(dir, name);
    let fd: number;
    try {
      fd = fs.openSync(file, 'w+');
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw failed('creating', file, e);
    }
    this.fds.push(fd);
    try {
      fs.unlinkSync(file);
      fs.rmdirSync(dir);
    } catch {
      if (this.kept.length === 0) process.once('exit', this.onExit);
      this.kept.push(dir);
    }
    return { fd, path: file };
  }

  /** Close every file (the system frees them) and remove what could not be unlinked (idempotent). */
  close(): void {
    for (const fd of this.fds.splice(0)) fs.closeSync(fd);
    if (this.kept.length === 0) return;
    for (const dir of this.kept.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    process.off('exit', this.onExit);
  }
}

/** Write all of bytes at a file position (SpillError on failure). */
const writeAt = (fd: number, file: string, bytes: Uint8Array, n: number, pos: number): void => {
  try {
    for (let done = 0; done < n; ) done += fs.writeSync(fd, bytes, done, n - done, pos + done);
  } catch (e) {
    throw failed('writing', file, e);
  }
};

/** Read n bytes at a file position into bytes (SpillError on failure or a short read). */
export const readAt = (fd: number, file: string, bytes: Uint8Array, n: number, pos: number): void => {
  try {
    for (let done = 0; done < n; ) {
      const got = fs.readSync(fd, bytes, done, n - done, pos + done);
      if (got === 0) throw Object.assign(new Error('short read'), { code: 'a short read' });
      done += got;
    }
  } catch (e) {
    throw failed('reading', file, e);
  }
};

/** Parent and action of every state, in a file (see the top of this file). */
export class TraceLinks {
  /** records written to the file */
  private flushed = 0;
  /** records in the buffer */
  private pending = 0;
  private readonly buf: Int32Array;
  private readonly bufBytes: Uint8Array;
  private readonly one = new Int32Array(2);
  private fd = -1;
  private file = '';

  constructor(private readonly files: SpillFiles) {
    this.buf = new Int32Array(2 * BUFFER_RECORDS);
    this.bufBytes = new Uint8Array(this.buf.buffer);
  }

  get count(): number {
    return this.flushed + this.pending;
  }

  /** Append the record of the next id. */
  append(parent: number, action: number): void {
    if (this.pending === BUFFER_RECORDS) this.flush();
    this.buf[2 * this.pending] = parent;
    this.buf[2 * this.pending + 1] = action;
    this.pending++;
  }

  parentOf(id: number): number {
    return this.read(id)[0];
  }

  actionOf(id: number): number {
    return this.read(id)[1];
  }

  /** Bytes of memory held (the write buffer); the file is on disk. */
  bytesUsed(): number {
    return this.buf.byteLength;
  }

  /** Bytes on disk. */
  fileBytes(): number {
    return this.flushed * RECORD_BYTES;
  }

  private read(id: number): Int32Array {
    if (id < 0 || id >= this.count) throw new Error(`trace link ${id} was never written (${this.count} so far)`);
    if (id >= this.flushed) {
      const i = id - this.flushed;
      this.one[0] = this.buf[2 * i];
      this.one[1] = this.buf[2 * i + 1];
      return this.one;
    }
    readAt(this.fd, this.file, new Uint8Array(this.one.buffer), RECORD_BYTES, id * RECORD_BYTES);
    return this.one;
  }

  private flush(): void {
    if (this.fd < 0) ({ fd: this.fd, path: this.file } = this.files.open('links.bin'));
    writeAt(this.fd, this.file, this.bufBytes, this.pending * RECORD_BYTES, this.flushed * RECORD_BYTES);
    this.flushed += this.pending;
    this.pending = 0;
  }
}

/** Chunks of the BFS queue, each written once when full and read back once (see the top of this file). */
export class QueueSpill {
  private fd = -1;
  private file = '';
  /** chunks in the file */
  private written = 0;

  constructor(
    private readonly files: SpillFiles,
    private readonly chunkBytes: number,
  ) {}

  /** Write chunk i (its whole buffer). */
  write(i: number, chunk: Uint8Array): void {
    if (this.fd < 0) ({ fd: this.fd, path: this.file } = this.files.open('queue.bin'));
    writeAt(this.fd, this.file, chunk, this.chunkBytes, i * this.chunkBytes);
    this.written = Math.max(this.written, i + 1);
  }

  /** Read chunk i back into into. */
  read(i: number, into: Uint8Array): void {
    readAt(this.fd, this.file, into, this.chunkBytes, i * this.chunkBytes);
  }

  /** Bytes on disk. */
  fileBytes(): number {
    return this.written * this.chunkBytes;
  }
}

/** Where a LevelFile is: what a worker needs to read it. */
export interface LevelRef {
  readonly fd: number;
  readonly path: string;
}

/** The level the parallel search expands, packed states in BFS order (see the top of this file). */
export class LevelFile implements LevelRef {
  readonly fd: number;
  readonly path: string;
  /** bytes written over the search */
  private written = 0;
  private readonly buf: Uint8Array;
  private readonly words: Uint32Array;

  constructor(
    files: SpillFiles,
    private readonly stateBytes: number,
  ) {
    ({ fd: this.fd, path: this.path } = files.open('level.bin'));
    this.buf = new Uint8Array(Math.max(1, Math.floor((1 << 20) / stateBytes)) * stateBytes);
    this.words = new Uint32Array(this.buf.buffer);
  }

  /** Write a level of n states: copy(r, into, off) puts state r's words at into[off..] (a state is whole words). */
  write(n: number, copy: (r: number, into: Uint32Array, off: number) => void): void {
    const per = this.buf.length / this.stateBytes;
    const w = this.stateBytes >>> 2;
    for (let r0 = 0; r0 < n; r0 += per) {
      const m = Math.min(per, n - r0);
      for (let k = 0; k < m; k++) copy(r0 + k, this.words, k * w);
      writeAt(this.fd, this.path, this.buf, m * this.stateBytes, r0 * this.stateBytes);
    }
    this.written += n * this.stateBytes;
  }

  /** Read the n states from position pos into into. */
  read(pos: number, n: number, into: Uint8Array): void {
    readAt(this.fd, this.path, into, n * this.stateBytes, pos * this.stateBytes);
  }

  /** Bytes written over the search. */
  fileBytes(): number {
    return this.written;
  }
}
