/**
 * The executor specialised to the tracked design (models/trackedKernel.ts) against the general
 * one (models/kernel.ts): in every state of random walks over several configs (every command
 * and fault of the full config, fork and REFCOUNT_MAX 2, the main config) every command an
 * address space can run is run by both (and /dev/mem asked for two cache modes: granted,
 * substituted and conflicting reservations), from the same bytes, and must give the same bytes,
 * the same return value (or both refuse it as a bad command), the same notes and the same
 * machine-edge hits (coverage). The fast path must have run a share of each of its commands,
 * REFCOUNT_MAX refusals among them, so that the comparison is not vacuous.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandError, Kernel } from '../../models/kernel.ts';
import { compileTables, type Tables } from '../../models/tables.ts';
import { executorOf, kernelFor, TrackedKernel } from '../../models/trackedKernel.ts';
import { KREF_PUT } from '../../models/krefMachine.ts';
import { checkSync } from '../../src/checker/check.ts';
import { reportText } from '../../src/checker/report.ts';
import { enumerateActions } from '../../src/checker/actions.ts';
import { NAMED_CONFIGS } from '../../src/checker/configs.ts';
import { MACHINES } from '../../src/checker/result.ts';
import { Facts } from '../../src/reducer/facts.ts';
import { initialState } from '../../src/reducer/reduce.ts';
import { decodeConfig } from '../../src/state/config.ts';
import { DESIGN_PRESETS, TRACKED } from '../../src/state/design.ts';
import { layoutOf, procOff } from '../../src/state/layout.ts';
import type { Universe } from '../../src/state/universe.ts';
import { ENOMEM } from '../../src/state/errno.ts';
import { fcParams } from '../support/seed.ts';
import { walk } from '../support/walk.ts';

/** two address spaces sharing ctxs by fork, REFCOUNT_MAX 2: splits are refused */
const decoded = decodeConfig({
  name: 'refused',
  procs: 2,
  vpages: 3,
  pfns: 3,
  maxMapPages: 3,
  refcountMax: 2,
  commands: { fork: true, exit: true, munmap: true, mprotect: true },
});
if ('error' in decoded) throw new Error(decoded.error);
const refused: Universe = decoded;

/** /dev/mem asked for WB and UC-: reservations in two types meet over a range (substitution, conflict) */
const modes = decodeConfig({
  name: 'modes',
  procs: 1,
  vpages: 4,
  pfns: 2,
  maxMapPages: 2,
  devmemModes: ['WB', 'UC-'],
  commands: { munmap: true, mprotect: true },
});
if ('error' in modes) throw new Error(modes.error);

const UNIVERSES: readonly Universe[] = [NAMED_CONFIGS.full.universe, NAMED_CONFIGS.main.universe, NAMED_CONFIGS.fork2.universe, refused, modes];

const hitsOf = (T: Tables): Uint32Array[] => MACHINES.map((m) => T[m].hits.slice());
/** The edges taken between two snapshots, as "machine:edge x count". */
const hitsTaken = (before: Uint32Array[], T: Tables): string => {
  const out: string[] = [];
  MACHINES.forEach((m, i) => {
    const now = T[m].hits;
    for (let e = 0; e < now.length; e++) if (now[e] !== before[i][e]) out.push(`${m}:${e}x${now[e] - before[i][e]}`);
  });
  return out.join(' ');
};

describe('TrackedKernel', () => {
  it('does what the general executor does, byte for byte, with the same coverage', () => {
    const fast = new Map<string, number>();
    let refusals = 0;
    for (const u of UNIVERSES) {
      const L = layoutOf(u);
      const T = compileTables(u, TRACKED);
      const general = new Kernel(u, TRACKED, T);
      const special = new TrackedKernel(u, TRACKED, T);
      expect(special.specialised, u.name).toBe(true);
      const actions = enumerateActions(u, TRACKED);
      for (const k of [general, special]) k.prepare(actions.map((a) => a.cmd));
      const one = new Uint8Array(L.size);
      const two = new Uint8Array(L.size);
      const f1 = new Facts(u, L, 'ctx', one, null);
      const f2 = new Facts(u, L, 'ctx', two, null);
      const run = (k: Kernel, f: Facts, buf: Uint8Array, s: Uint8Array, i: number) => {
        buf.set(s);
        k.notes.fill(0);
        const before = hitsOf(T);
        let ret: number | string;
        try {
          ret = k.stepAction(f, i);
        } catch (e) {
          if (!(e instanceof CommandError)) throw e;
          ret = 'bad command';
        }
        return { ret, notes: [...k.notes], hits: hitsTaken(before, T) };
      };
      const checkState = (s: Uint8Array, where: string): void => {
        for (const a of actions) {
          if (a.slot >= 0 && s[procOff(L, a.slot)] !== 1) continue;
          const r1 = run(general, f1, one, s, a.index);
          const steps = special.fastSteps;
          const r2 = run(special, f2, two, s, a.index);
          const what = `${u.name} ${where}: ${JSON.stringify(a.cmd)}`;
          if (JSON.stringify(r1) !== JSON.stringify(r2)) throw new Error(`${what}: general ${JSON.stringify(r1)}, specialised ${JSON.stringify(r2)}`);
          for (let b = 0; b < L.size; b++) if (one[b] !== two[b]) throw new Error(`${what}: byte ${b} differs: general ${one[b]}, specialised ${two[b]}`);
          if (special.fastSteps > steps) {
            fast.set(a.cmd.kind, (fast.get(a.cmd.kind) ?? 0) + 1);
            if (r2.ret === -ENOMEM && r2.notes[1] > 0) refusals++;
          }
        }
      };
      checkState(initialState(u), 'initial');
      fc.assert(
        fc.property(fc.array(fc.nat(), { minLength: 12, maxLength: 12 }), (choices) => {
          const w = walk(u, TRACKED, choices, general);
          w.states.forEach((s, i) => checkState(s, `after ${i + 1} commands`));
        }),
        fcParams(15),
      );
    }
    expect([...fast.keys()].sort()).toEqual(['exit', 'mmap', 'mprotect', 'munmap']);
    for (const n of fast.values()) expect(n).toBeGreaterThan(200);
    expect(refusals).toBeGreaterThan(10);
  });

  it('says why it declines tables of another shape; the result and the report carry it', () => {
    const u = NAMED_CONFIGS.split3.universe;
    const T = compileTables(u, TRACKED);
    const ok = new TrackedKernel(u, TRACKED, T);
    expect(ok.declined).toBeNull();
    expect(executorOf(ok)).toEqual({ kind: 'specialised (tracked)' });
    // a put at count 2 that emits one more fact (a machine changed): not the shape it resolves
    const i = T.krefState[2] * T.kref.alphabet.length + KREF_PUT;
    const edges = T.kref.edges.map((e, j) => (j === i ? { ...e, emitted: [...e.emitted, e.emitted[0]] } : e));
    const changed: Tables = { ...T, kref: { ...T.kref, edges } };
    const k = new TrackedKernel(u, TRACKED, changed);
    expect(k.specialised).toBe(false);
    expect(k.declined).toBe('krefMachine: a put at count 2 emits kref_put,kref_put');
    expect(executorOf(k)).toEqual({ kind: 'general', declined: 'krefMachine: a put at count 2 emits kref_put,kref_put' });
    expect(executorOf(new Kernel(u, TRACKED, T))).toEqual({ kind: 'general' });
    // what a check says: the specialised executor ran (one worker and two); the line appears only when it declined
    for (const workers of [1, 2]) expect(checkSync({ universe: u, design: TRACKED, workers }).executor, `${workers} workers`).toEqual({ kind: 'specialised (tracked)' });
    const r = checkSync({ universe: u, design: TRACKED });
    expect(reportText(r, u).filter((l) => l.includes('executor'))).toEqual([]);
    expect(reportText({ ...r, executor: executorOf(k) }, u).filter((l) => l.includes('executor'))).toEqual([
      '  executor: general (the tracked fast path declined: krefMachine: a put at count 2 emits kref_put,kref_put); every command ran the general executor (same results, slower)',
    ]);
  });

  it('is what the checker runs for tracked, and only for tracked', () => {
    for (const p of DESIGN_PRESETS) {
      const k = kernelFor(NAMED_CONFIGS.split3.universe, p.design);
      expect(k instanceof TrackedKernel, p.name).toBe(p.design.kind === 'tracked');
      // a specialised executor asked to run another design runs none of it itself
      expect(new TrackedKernel(NAMED_CONFIGS.split3.universe, p.design).specialised, p.name).toBe(p.design.kind === 'tracked');
    }
  });
});
