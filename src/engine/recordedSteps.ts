/**
 * A search's steps recorded, and a search run again on them: what the engine costs without
 * the model's step. `recordingSteps(model, write)` is the model with every step's result (the
 * action, the STEP_ code, the transition marks and the successor's bytes) written out in the
 * order the sequential search takes them; `replayingSteps(model, recorded)` is the model with
 * `step` answered from such a record by one copy, everything else (plan, canonical form,
 * packing, invariants) its own. The sequential search is deterministic, so a replay asks for
 * the recorded steps in the recorded order; a replay that asks for another action, or for more
 * steps than were recorded, is refused (RecordedStepsError) rather than answered wrongly.
 *
 * A record is a header of RECORD_HEADER_WORDS 32-bit words (magic, version, the model's
 * stateBytes, 0) and then one entry per step: the action, the code, the marks, and stateBytes
 * bytes of the successor (whatever `out` held for a code other than STEP_CHANGED or STEP_CUT).
 * Words are in the machine's byte order: a record is read on the machine that wrote it. The
 * model's own counters (Model.readCounters) are whatever its own code counted: a replayed step
 * runs none of the model, so a replay's counters miss what the steps would have added.
 */
import type { ActionPlan, Model } from './model.ts';

/** 'STEP' read as a little-endian word */
const MAGIC = 0x50455453;
const VERSION = 1;
export const RECORD_HEADER_WORDS = 4;
/** the words of an entry before the successor's bytes: action, code, marks */
const ENTRY_WORDS = 3;
/** the bytes `recordingSteps` buffers before it calls `write` */
const CHUNK_BYTES = 1 << 20;

/** A record that does not fit the model or the search replaying it. */
export class RecordedStepsError extends Error {}

/** The 32-bit words of a working-form buffer, made once per buffer (the engine steps into one scratch buffer). */
const wordsOf = (): ((bytes: Uint8Array) => Uint32Array) => {
  let last: Uint8Array | null = null;
  let view: Uint32Array = new Uint32Array(0);
  return (bytes) => {
    if (bytes !== last) {
      last = bytes;
      view = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
    }
    return view;
  };
};

/** A model that forwards every member to `inner` except those given in `own`. */
const forwarding = (inner: Model, own: Pick<Model, 'step' | 'lastStepMarks'>): Model => ({
  stateBytes: inner.stateBytes,
  packedBytes: inner.packedBytes,
  pack: (s, dst, off) => inner.pack(s, dst, off),
  unpack: (src, off, s) => inner.unpack(src, off, s),
  initialStates: () => inner.initialStates(),
  actionCount: inner.actionCount,
  actionKeys: inner.actionKeys,
  actionKeyOf: inner.actionKeyOf,
  plan: (s): ActionPlan => inner.plan(s),
  levelAhead: inner.levelAhead ? (states) => inner.levelAhead!(states) : undefined,
  step: own.step,
  lastStepMarks: own.lastStepMarks,
  canonicalize: (s) => inner.canonicalize(s),
  invariants: inner.invariants,
  reachability: inner.reachability,
  counterCount: inner.counterCount,
  readCounters: (into, offset) => inner.readCounters(into, offset),
  resetCounters: () => inner.resetCounters(),
});

/** A recording in progress: the model to search, and `finish` to write what is still buffered. */
export interface StepRecording {
  readonly model: Model;
  /** the steps recorded so far */
  steps(): number;
  /** Write out the buffered entries (call once, after the search). */
  finish(): void;
}

/**
 * `model` with each step written out as it is taken; `write` receives the record in chunks of
 * about a mebibyte, the header first, and must consume (copy or write) each before returning.
 */
export const recordingSteps = (model: Model, write: (bytes: Uint8Array) => void): StepRecording => {
  const stateWords = model.stateBytes >>> 2;
  const entryWords = ENTRY_WORDS + stateWords;
  const chunkEntries = Math.max(1, Math.floor(CHUNK_BYTES / (4 * entryWords)));
  const chunk = new Uint32Array(chunkEntries * entryWords);
  const outWords = wordsOf();
  let inChunk = 0;
  let steps = 0;
  const flush = (): void => {
    if (inChunk > 0) write(new Uint8Array(chunk.buffer, 0, inChunk * entryWords * 4));
    inChunk = 0;
  };
  write(new Uint8Array(Uint32Array.of(MAGIC, VERSION, model.stateBytes, 0).buffer));
  const recording = forwarding(model, {
    step(s: Uint8Array, action: number, out: Uint8Array): number {
      const code = model.step(s, action, out);
      if (inChunk === chunkEntries) flush();
      const o = inChunk++ * entryWords;
      chunk[o] = action;
      chunk[o + 1] = code;
      chunk[o + 2] = model.lastStepMarks();
      const w = outWords(out);
      for (let i = 0; i < stateWords; i++) chunk[o + ENTRY_WORDS + i] = w[i];
      steps++;
      return code;
    },
    lastStepMarks: () => model.lastStepMarks(),
  });
  return { model: recording, steps: () => steps, finish: flush };
};

/** A replay: the model to search, and how much of the record it has used. */
export interface StepReplay {
  readonly model: Model;
  /** the steps answered so far */
  steps(): number;
  /** the steps the record holds */
  readonly recorded: number;
}

/**
 * `model` with its steps answered from `recorded` (a whole record, as recordingSteps wrote
 * it; its byte offset a multiple of 4). Throws RecordedStepsError when the header does not fit
 * the model; the returned model's step throws it when the search leaves the record. A search
 * that ends with steps() below `recorded` took another course than the recorded one.
 */
export const replayingSteps = (model: Model, recorded: Uint8Array): StepReplay => {
  if (recorded.byteOffset % 4 !== 0 || recorded.byteLength % 4 !== 0) throw new RecordedStepsError(`a record is whole 32-bit words; this one has ${recorded.byteLength} bytes`);
  const words = new Uint32Array(recorded.buffer, recorded.byteOffset, recorded.byteLength >>> 2);
  if (words.length < RECORD_HEADER_WORDS || words[0] !== MAGIC) throw new RecordedStepsError('not a record of steps (no STEP header)');
  if (words[1] !== VERSION) throw new RecordedStepsError(`record version ${words[1]}, expected ${VERSION}`);
  if (words[2] !== model.stateBytes) throw new RecordedStepsError(`record of ${words[2]}-byte states, the model's are ${model.stateBytes} bytes`);
  const stateWords = model.stateBytes >>> 2;
  const entryWords = ENTRY_WORDS + stateWords;
  if ((words.length - RECORD_HEADER_WORDS) % entryWords !== 0) throw new RecordedStepsError(`record ends inside a step (${words.length - RECORD_HEADER_WORDS} words after the header, ${entryWords} a step)`);
  const total = (words.length - RECORD_HEADER_WORDS) / entryWords;
  const outWords = wordsOf();
  let next = 0;
  let marks = 0;
  const replaying = forwarding(model, {
    step(_s: Uint8Array, action: number, out: Uint8Array): number {
      if (next === total) throw new RecordedStepsError(`the search asks for step ${next + 1}; the record holds ${total}`);
      const o = RECORD_HEADER_WORDS + next * entryWords;
      if (words[o] !== action) throw new RecordedStepsError(`step ${next + 1}: the search asks for action ${action}, the record has action ${words[o]}`);
      next++;
      const w = outWords(out);
      for (let i = 0; i < stateWords; i++) w[i] = words[o + ENTRY_WORDS + i];
      marks = words[o + 2];
      return words[o + 1];
    },
    lastStepMarks: () => marks,
  });
  return { model: replaying, steps: () => next, recorded: total };
};
