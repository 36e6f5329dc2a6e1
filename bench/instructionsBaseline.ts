/**
 * The instruction bench's baseline: the figures of an earlier `--instructions` run (by default
 * the committed bench/results/instructions.json, read before the new run replaces it), set
 * beside the new run config by config. Instruction counts repeat where wall times do not
 * (cachegrind.ts), so this is how a change to the checker shows its cost or its gain, and how
 * the bench refuses one that makes our search dearer than the tolerance allows.
 *
 * The figure judged is ours/SPIN, our search's instructions over pan's: pan's count repeats
 * (performance.md §2), so the ratio moves with ours alone unless pan itself changed (another
 * SPIN or gcc), which the comparison then says.
 */
import { readFileSync } from 'node:fs';

/** One config of a baseline run. */
export interface BaselineRow {
  readonly config: string;
  /** pan's whole run */
  readonly spin: number;
  /** ours' search (the whole run less the setup) */
  readonly search: number;
}

export interface Baseline {
  readonly file: string;
  /** the commit the baseline run measured ('' when it did not say) */
  readonly commit: string;
  readonly date: string;
  /** the run checked the invariants (false: --no-invariants) */
  readonly invariants: boolean;
  /** how ours stepped (CheckResult.fastPath: false, true, or the general steps before the fast path); a run that does not say took the general path only */
  readonly fastPath: boolean | number;
  readonly rows: readonly BaselineRow[];
}

/** The default tolerance, in percent of the baseline's ratio: several times the spread of the bench's readings (performance.md §2). */
export const DEFAULT_TOLERANCE = 1;

/** pan's count moved by more than this fraction: the two runs did not run the same pan. */
const SPIN_MOVED = 0.001;

const count = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x > 0;

/**
 * The baseline in `file` (an `--instructions` run's JSON), or why it cannot be one: a message
 * naming the file and the field.
 */
export const readBaseline = (file: string): Baseline | { error: string } => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { error: `${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { error: `${file}: not JSON (${(e as Error).message})` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { error: `${file}: not an object` };
  const run = json as Record<string, unknown>;
  if (!Array.isArray(run.instructions)) return { error: `${file}: field instructions: missing or not a list (not an --instructions run)` };
  const rows: BaselineRow[] = [];
  for (const [i, r] of (run.instructions as unknown[]).entries()) {
    const at = `${file}: field instructions[${i}]`;
    if (typeof r !== 'object' || r === null) return { error: `${at}: not an object` };
    const row = r as { config?: { name?: unknown }; spin?: { instructions?: unknown }; ours?: { search?: unknown } };
    const name = row.config?.name;
    if (typeof name !== 'string' || name === '') return { error: `${at}.config.name: expected a config name` };
    if (!count(row.spin?.instructions)) return { error: `${at}.spin.instructions: expected a positive whole number` };
    if (!count(row.ours?.search)) return { error: `${at}.ours.search: expected a positive whole number` };
    if (rows.some((x) => x.config === name)) return { error: `${at}.config.name: ${name} appears twice` };
    rows.push({ config: name, spin: row.spin.instructions, search: row.ours.search });
  }
  if (rows.length === 0) return { error: `${file}: field instructions: no config` };
  if (typeof run.invariants !== 'boolean') return { error: `${file}: field invariants: expected true or false` };
  if (run.fastPath !== undefined && typeof run.fastPath !== 'boolean' && !count(run.fastPath)) return { error: `${file}: field fastPath: expected true, false or a number of general steps` };
  const engine = run.engine as { commit?: unknown } | undefined;
  return { file, commit: typeof engine?.commit === 'string' ? engine.commit : '', date: typeof run.date === 'string' ? run.date : '', invariants: run.invariants, fastPath: (run.fastPath as boolean | number | undefined) ?? false, rows };
};

/** One config of the new run beside the baseline's. */
export interface Comparison {
  readonly config: string;
  readonly before: BaselineRow;
  readonly now: BaselineRow;
  readonly ratioBefore: number;
  readonly ratioNow: number;
  /** the ratio's change, in percent of the baseline's (negative: fewer instructions) */
  readonly change: number;
  /** pan's own count moved (another SPIN or gcc): the ratio still compares, the counts do not */
  readonly spinMoved: boolean;
  /** the ratio grew by more than the tolerance */
  readonly worse: boolean;
}

/** The configs of `now` the baseline has, in `now`'s order; tolerance in percent. */
export const compareToBaseline = (base: Baseline, now: readonly BaselineRow[], tolerance: number): Comparison[] =>
  now.flatMap((n) => {
    const b = base.rows.find((r) => r.config === n.config);
    if (!b) return [];
    const ratioBefore = b.search / b.spin;
    const ratioNow = n.search / n.spin;
    const change = (100 * (ratioNow - ratioBefore)) / ratioBefore;
    return [{ config: n.config, before: b, now: n, ratioBefore, ratioNow, change, spinMoved: Math.abs(n.spin - b.spin) / b.spin > SPIN_MOVED, worse: change > tolerance }];
  });
