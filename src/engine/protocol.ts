/**
 * The messages between the parallel search's main thread (parallel.ts) and its workers
 * (worker.ts). Every round: the main thread posts one Request per worker, bumps C_GO
 * (sharedStore.ts control words), and waits for C_DONE to reach the pool's size; each worker
 * serves its request and posts one Reply.
 */
import type { MessagePort } from 'node:worker_threads';
import type { ModelSpec } from './model.ts';
import type { LevelRef } from './spill.ts';
import type { SegmentBuffers, TableRef } from './sharedStore.ts';

/** What a worker is started with: the pool's control words and its ports. */
export interface WorkerInit {
  readonly kind: 'engine-bfs-worker';
  readonly index: number;
  readonly ctrl: SharedArrayBuffer;
  /** per worker: generated transitions so far in the current search (progress only) */
  readonly progress: SharedArrayBuffer;
  /** the worker posts its replies here */
  readonly port: MessagePort;
  /** the main thread posts its requests here */
  readonly inbox: MessagePort;
  /** the URL of tsx's ESM API, registered before a model module in TypeScript is imported (null: not installed) */
  readonly tsx: string | null;
}

/** Shared memory the main thread hands over at a round's start. */
export interface StoreUpdates {
  readonly segments: readonly SegmentBuffers[];
  readonly table?: TableRef;
  /** segments whose bytes are no longer needed (fingerprint mode) */
  readonly dropBytes: readonly number[];
  /** segments whose links went to the links file (fingerprint mode) */
  readonly dropLinks: readonly number[];
}

export type Request =
  /** a new search: build its model, attach its store */
  | { readonly type: 'search'; readonly spec: ModelSpec; readonly exact: boolean; readonly segments: readonly SegmentBuffers[]; readonly table: TableRef }
  | {
      readonly type: 'level';
      readonly updates: StoreUpdates;
      /** the first id of the level being built */
      readonly levelStart: number;
      /** ids of the level being expanded, in BFS order */
      readonly order: SharedArrayBuffer;
      /** fingerprint mode: the file holding the level's packed states in BFS order (spill.ts LevelFile), else null: they are in the segments */
      readonly levelFile: LevelRef | null;
      /** the end of the first window of positions (parallel.ts), the level's size if it is one window */
      readonly levelSize: number;
      readonly chunk: number;
      /** about how many of the level's states each thread expands (Model.levelAhead) */
      readonly share: number;
      /** per invariant and reachability property: 1 when new states need not be checked for it */
      readonly skipInv: Uint8Array;
      readonly skipReach: Uint8Array;
    }
  | { readonly type: 'resume'; readonly updates: StoreUpdates }
  /** the next window of the level's positions, [keyBase, end): the BFS keys of the states it
   * inserts (ids from levelStart) count positions from keyBase */
  | { readonly type: 'window'; readonly updates: StoreUpdates; readonly levelStart: number; readonly keyBase: number; readonly end: number }
  /** the counters before the worker's first chunk at or after this one, in this level */
  | { readonly type: 'prefix'; readonly chunk: number }
  /** the search is over: let its shared memory go */
  | { readonly type: 'end' }
  | { readonly type: 'exit' };

export type Reply =
  | { readonly type: 'ok' }
  | {
      readonly type: 'round';
      /** the worker's counters so far (cumulative over the search; expand.ts snapshot) */
      readonly counters: Float64Array;
      /** per invariant: ids of new states that break it (this round) */
      readonly inv: readonly Int32Array[];
      /** per reachability property: ids of new states that have it (this round) */
      readonly reach: readonly Int32Array[];
    }
  | { readonly type: 'prefix'; readonly counters: Float64Array }
  | { readonly type: 'error'; readonly error: string };
