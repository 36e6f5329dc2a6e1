/**
 * A search's steps recorded and replayed (src/engine/recordedSteps.ts), on the counters toy
 * model: the recording search and the replaying one give the plain search's results (the
 * model's own counters aside: a replayed step does not run the model), every recorded step is
 * asked for again, and a record that does not fit the model or the search is refused, not
 * answered.
 */
import { describe, expect, it } from 'vitest';
import type { Model } from '../../src/engine/model.ts';
import { RECORD_HEADER_WORDS, RecordedStepsError, recordingSteps, replayingSteps } from '../../src/engine/recordedSteps.ts';
import type { SearchResult } from '../../src/engine/result.ts';
import { runSync, search, type SearchOptions } from '../../src/engine/search.ts';
import { Counters, type CountersArgs } from './models/counters.ts';

const searchOf = (m: Model, opts: SearchOptions): SearchResult => runSync(search(m, { ...opts, yieldEvery: 1 << 30 }));

/** What a replay must reproduce: everything but time, memory and the model's counters. */
const figures = (r: SearchResult) => ({
  verdict: r.verdict,
  distinct: r.distinct,
  generated: r.generated,
  depth: r.depth,
  cut: r.cut,
  stoppedBy: r.stoppedBy,
  violation: r.violation,
  quality: r.quality,
  actionCounts: r.actionCounts,
  reachability: r.reachability,
});

/** The record of a search of counters(args) with opts, in one buffer. */
const record = (args: CountersArgs, opts: SearchOptions): { bytes: Uint8Array; steps: number; result: SearchResult } => {
  const chunks: Uint8Array[] = [];
  const recording = recordingSteps(new Counters(args), (b) => chunks.push(b.slice()));
  const result = searchOf(recording.model, opts);
  recording.finish();
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    bytes.set(c, off);
    off += c.length;
  }
  return { bytes, steps: recording.steps(), result };
};

// resets with a plan that counts some of them, a bound that cuts, a quality invariant broken
// on the way, marks (a wrap) and a state predicate: every kind of step result the engine reads
const FULL: CountersArgs = { n: 3, k: 4, resets: true, plan: 'skip', bound: 7, firstBelow: 3 };
const STOPPED: CountersArgs = { n: 3, k: 4, resets: true, sumBelow: 5 };

describe('recorded steps', () => {
  for (const [name, args, opts] of [
    ['a whole search, exact storage', FULL, { exact: true }],
    ['fingerprint storage, symmetry', { ...FULL, symmetry: true }, { exact: false }],
    ['a search stopped by a violation', STOPPED, { exact: true }],
    ['a depth bound', FULL, { exact: true, depth: 4 }],
  ] as const) {
    it(`${name}: recording and replaying give the plain search's results`, () => {
      const plain = searchOf(new Counters(args), opts);
      const rec = record(args, opts);
      expect(figures(rec.result)).toEqual(figures(plain));
      expect(rec.steps).toBeGreaterThan(0);
      const replay = replayingSteps(new Counters(args), rec.bytes);
      expect(replay.recorded).toBe(rec.steps);
      const replayed = searchOf(replay.model, opts);
      expect(figures(replayed)).toEqual(figures(plain));
      expect(replay.steps()).toBe(rec.steps);
      if (name === 'a search stopped by a violation') expect(plain.violation).toBeDefined();
    });
  }

  it('a replay answers from the record, not from the model', () => {
    const rec = record(FULL, { exact: true });
    // a model whose own steps would go elsewhere (counters mod 5), on a record of mod 4
    const wrong = replayingSteps(new Counters({ ...FULL, k: 5 }), rec.bytes);
    const r = searchOf(wrong.model, { exact: true });
    expect(r.distinct).toBe(searchOf(new Counters(FULL), { exact: true }).distinct);
  });

  it('a search that leaves the record is refused at the step where it does', () => {
    const rec = record(FULL, { exact: true });
    // another search over the same record: the resets not planned away ask for other actions
    const other = replayingSteps(new Counters({ ...FULL, plan: 'all' }), rec.bytes);
    expect(() => searchOf(other.model, { exact: true })).toThrow(/^step \d+: the search asks for action \d+, the record has action \d+$/);
    // a record one step short
    const entryBytes = (rec.bytes.length - 4 * RECORD_HEADER_WORDS) / rec.steps;
    const short = replayingSteps(new Counters(FULL), rec.bytes.slice(0, rec.bytes.length - entryBytes));
    expect(() => searchOf(short.model, { exact: true })).toThrow(new RecordedStepsError(`the search asks for step ${rec.steps}; the record holds ${rec.steps - 1}`));
  });

  it('a record that does not fit the model is refused before the search', () => {
    const rec = record(FULL, { exact: true });
    expect(() => replayingSteps(new Counters({ ...FULL, n: 5 }), rec.bytes)).toThrow('record of 4-byte states, the model\'s are 8 bytes');
    expect(() => replayingSteps(new Counters(FULL), rec.bytes.slice(0, rec.bytes.length - 4))).toThrow(/^record ends inside a step/);
    expect(() => replayingSteps(new Counters(FULL), rec.bytes.slice(0, rec.bytes.length - 1))).toThrow(/^a record is whole 32-bit words/);
    const bad = rec.bytes.slice();
    bad[0] ^= 1;
    expect(() => replayingSteps(new Counters(FULL), bad)).toThrow('not a record of steps (no STEP header)');
    const future = rec.bytes.slice();
    new Uint32Array(future.buffer)[1] = 2;
    expect(() => replayingSteps(new Counters(FULL), future)).toThrow('record version 2, expected 1');
  });
});
