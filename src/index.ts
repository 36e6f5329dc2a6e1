/**
 * The library API: the same operations as the CLI, returning data.
 *
 *   import { check, replayLog, parseLog, parseDesign, NAMED_CONFIGS } from 'pfnmap-model';
 *
 * The entry points below validate what they are given with the codecs the CLI uses (a
 * config through decodeConfig, a design through parseDesign, events and commands through
 * their io-ts codecs, invariant names against the registry and the design) and throw an
 * InputError for anything else: `field` names the option or field ('design', 'universe.procs',
 * 'invariants', 'events.3.cmd.kind'), `line` the log line where there is one (LogError, a
 * subclass, for event logs). They never fail with a TypeError, nor pass over a name they do
 * not know. The low-level exports (makeReducer, initialState, Kernel, the codecs) take values
 * already validated.
 */
import { invariantsFor, INVARIANTS } from '../invariants/index.ts';
import { checkAsync as checkAsyncRaw, checkSync, type CheckOptions, type CheckResult, type Progress } from './checker/check.ts';
import { simulate as simulateRaw, type SimulateOptions, type SimulateResult } from './checker/simulate.ts';
import type { Command } from './events/commands.ts';
import type { Event } from './events/codecs.ts';
import { decodeCommand } from './events/decodeError.ts';
import { decodeEvent, encodeLog as encodeLogRaw, type ParsedLog } from './events/logFormat.ts';
import { replay, type ReplayResult } from './replay/replay.ts';
import { runCommands as runCommandsRaw, type Run } from './scenarios/run.ts';
import { decodeConfig } from './state/config.ts';
import { FIX_IDS, parseDesign, type Design } from './state/design.ts';
import type { Universe } from './state/universe.ts';
import { InputError } from './util/input.ts';
import { maxWorkers } from './util/machine.ts';
import { quote } from './util/quote.ts';

export { type CheckOptions, type CheckResult, type Counterexample, type Verdict, type Progress } from './checker/check.ts';
export { NAMED_CONFIGS, DEFAULT_CONFIG } from './checker/configs.ts';
export { ZOO } from './checker/zoo.ts';
export { decodeConfig, DEFAULT_UNIVERSE } from './state/config.ts';
export { DESIGN_PRESETS, parseDesign, type Design } from './state/design.ts';
export type { Universe } from './state/universe.ts';
export { Event } from './events/codecs.ts';
export { Command } from './events/commands.ts';
export { parseLog, LogError, type ParsedLog } from './events/logFormat.ts';
export { eventText, commandText, traceText } from './events/format.ts';
export type { ReplayResult } from './replay/replay.ts';
export type { SimulateOptions, SimulateResult } from './checker/simulate.ts';
export type { Run } from './scenarios/run.ts';
export { makeReducer, initialState } from './reducer/reduce.ts';
export { SELFTEST_SCENARIOS, SCENARIO_UNIVERSE } from './scenarios/selftest.ts';
export { INVARIANTS } from '../invariants/index.ts';
export { MUTANTS } from '../models/mutants.ts';
import { MUTANTS } from '../models/mutants.ts';
export { Kernel } from '../models/kernel.ts';
export { InputError } from './util/input.ts';

const refuse = (field: string, detail: string): never => {
  throw new InputError(undefined, field, detail);
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const onlyKnown = (o: Record<string, unknown>, known: readonly string[], what: string): void => {
  for (const k of Object.keys(o)) if (!known.includes(k)) refuse(k, `unknown ${what} (known: ${known.join(', ')})`);
};

/** Two designs' machine options agree, field by field (the fixes one by one). */
const sameOptions = (a: unknown, b: Design['options']): boolean =>
  isRecord(a) &&
  (Object.keys(b) as (keyof Design['options'])[]).every((k) =>
    k === 'fixes' ? isRecord(a.fixes) && FIX_IDS.every((f) => (a.fixes as Record<string, unknown>)[f] === b.fixes[f]) : a[k] === b[k],
  );

/** A design, or its name: the one parseDesign gives for its name (a design object must be that one). */
const designOf = (d: unknown, field = 'design'): Design => {
  const name = typeof d === 'string' ? d : isRecord(d) && typeof d.name === 'string' ? d.name : refuse(field, `expected a design or a design name, got ${quote(d)}`);
  const parsed = parseDesign(name);
  if (typeof parsed === 'string') return refuse(field, parsed);
  if (isRecord(d) && (d.kind !== parsed.kind || !sameOptions(d.options, parsed.options)))
    refuse(field, `the design named ${quote(name)} is not what parseDesign gives for that name`);
  return parsed;
};

/** A config over the defaults (decodeConfig), its error field under `field`. */
const universeOf = (u: unknown, field = 'universe'): Universe => {
  const r = decodeConfig(u);
  if ('error' in r) return refuse(r.field ? `${field}.${r.field}` : field, r.detail);
  return r;
};

/** Invariant names: a non-empty list of known names that apply to the design. */
const invariantsOf = (names: unknown, design: Design, field: string): string[] | undefined => {
  if (names === undefined) return undefined;
  if (!Array.isArray(names) || names.length === 0) return refuse(field, `expected a non-empty array of invariant names, got ${quote(names)}`);
  const applying = invariantsFor(design).map((i) => i.name);
  for (const n of names) {
    if (typeof n !== 'string' || !INVARIANTS.some((i) => i.name === n))
      refuse(field, `unknown invariant ${quote(n)} (known: ${INVARIANTS.map((i) => i.name).join(', ')})`);
    if (!applying.includes(n)) refuse(field, `${n} does not apply to design ${design.name}`);
  }
  return names as string[];
};

/** An optional integer in [min, max]. */
const integer = (v: unknown, field: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) refuse(field, `expected an integer in [${min}, ${max}], got ${quote(v)}`);
  return v as number;
};

const CHECK_OPTIONS = ['universe', 'design', 'depth', 'maxStates', 'maxSeconds', 'maxMemoryBytes', 'invariants', 'continueOn', 'symmetry', 'exact', 'yieldEvery', 'mutant', 'workers', 'keySpace'];

const checkOptions = (o: unknown): CheckOptions => {
  if (!isRecord(o)) return refuse('options', `expected an object, got ${quote(o)}`);
  onlyKnown(o, CHECK_OPTIONS, 'option');
  const design = designOf(o.design);
  for (const k of ['symmetry', 'exact']) if (o[k] !== undefined && typeof o[k] !== 'boolean') refuse(k, `expected true or false, got ${quote(o[k])}`);
  if (o.maxSeconds !== undefined && (typeof o.maxSeconds !== 'number' || !(o.maxSeconds >= 0) || !Number.isFinite(o.maxSeconds)))
    refuse('maxSeconds', `expected a number of seconds >= 0, got ${quote(o.maxSeconds)}`);
  if (o.mutant !== undefined && (typeof o.mutant !== 'string' || !MUTANTS.some((m) => m.name === o.mutant)))
    refuse('mutant', `expected the name of a seeded bug (known: ${MUTANTS.map((m) => m.name).join(', ')}), got ${quote(o.mutant)}`);
  return {
    ...(o as unknown as CheckOptions),
    universe: universeOf(o.universe),
    design,
    depth: integer(o.depth, 'depth'),
    maxStates: integer(o.maxStates, 'maxStates'),
    maxMemoryBytes: integer(o.maxMemoryBytes, 'maxMemoryBytes', 1),
    yieldEvery: integer(o.yieldEvery, 'yieldEvery', 1),
    workers: integer(o.workers, 'workers', 1, maxWorkers()),
    keySpace: integer(o.keySpace, 'keySpace', 1),
    invariants: invariantsOf(o.invariants, design, 'invariants'),
    continueOn: invariantsOf(o.continueOn, design, 'continueOn'),
  };
};

/** Check a universe exhaustively (blocking); throws InputError for bad options. */
export const check = (options: CheckOptions): CheckResult => checkSync(checkOptions(options));

/** Check a universe, yielding to the event loop (progress, interrupt); rejects with InputError for bad options. */
export const checkAsync = async (options: CheckOptions, onProgress?: (p: Progress) => void, interrupted?: () => boolean): Promise<CheckResult> =>
  checkAsyncRaw(checkOptions(options), onProgress, interrupted);

/** The events of a log, each decoded by its codec (LogError at its line). */
const eventsOf = (events: unknown, lines: readonly number[]): Event[] => {
  if (!Array.isArray(events)) return refuse('events', `expected an array of events, got ${quote(events)}`);
  return events.map((e, i) => decodeEvent(e, lines[i]));
};

/**
 * Replay a parsed log (parseLog's result, or one built by hand: its design, universe and
 * events are validated), checking `only` (invariant names of the log's design) or all.
 */
export const replayLog = (log: ParsedLog, only?: readonly string[]): ReplayResult => {
  if (!isRecord(log)) return refuse('log', `expected a parsed log (parseLog), got ${quote(log)}`);
  onlyKnown(log, ['design', 'universe', 'events', 'lines'], 'field of a parsed log');
  const design = designOf(log.design);
  const universe = universeOf(log.universe);
  const n = Array.isArray(log.events) ? log.events.length : 0;
  const lines = log.lines === undefined ? Array.from({ length: n }, (_, i) => i + 2) : log.lines;
  if (!Array.isArray(lines) || lines.length !== n || !lines.every((l) => Number.isSafeInteger(l) && l >= 1))
    refuse('lines', `expected the line (>= 1) of each of the ${n} events`);
  return replay({ design, universe, events: eventsOf(log.events, lines), lines }, invariantsOf(only, design, 'invariants'));
};

/** The commands, each decoded by its kind (field `commands.i...`). */
const commandsOf = (commands: unknown): Command[] => {
  if (!Array.isArray(commands)) return refuse('commands', `expected an array of commands, got ${quote(commands)}`);
  return commands.map((c, i) => {
    const r = decodeCommand(c);
    if ('error' in r) return refuse(`commands.${i}${r.error.path ? '.' + r.error.path : ''}`, `expected ${r.error.expected}, got ${quote(r.error.value)}`);
    if ('unknown' in r) return refuse(`commands.${i}.${r.unknown.path}`, `unknown field of a command (known: ${r.unknown.known.join(', ')})`);
    return r.command;
  });
};

/** Run commands through a design (a command the universe cannot hold ends the run: Run.error). */
export const runCommands = (universe: Universe, design: Design, commands: readonly Command[]): Run =>
  runCommandsRaw(universeOf(universe), designOf(design), commandsOf(commands));

/** Seeded random walks (walks and steps at least 1, the invariants named safety ones of the design). */
export const simulate = (options: SimulateOptions): SimulateResult => {
  if (!isRecord(options)) return refuse('options', `expected an object, got ${quote(options)}`);
  onlyKnown(options, ['universe', 'design', 'walks', 'steps', 'seed', 'invariants'], 'option');
  const design = designOf(options.design);
  const invariants = invariantsOf(options.invariants, design, 'invariants');
  if (invariants && !invariants.some((n) => INVARIANTS.find((i) => i.name === n)!.kind === 'safety'))
    refuse('invariants', 'names no safety invariant: a walk checks safety invariants only');
  return simulateRaw({
    universe: universeOf(options.universe),
    design,
    walks: integer(options.walks, 'walks', 1) ?? refuse('walks', 'missing'),
    steps: integer(options.steps, 'steps', 1) ?? refuse('steps', 'missing'),
    seed: integer(options.seed, 'seed') ?? refuse('seed', 'missing'),
    invariants,
  });
};

/** A log's text (NDJSON, parseLog reads it back); design, universe and events validated. */
export const encodeLog = (design: Design, universe: Universe, events: readonly Event[]): string => {
  const lines = Array.isArray(events) ? events.map((_, i) => i + 2) : [];
  return encodeLogRaw(designOf(design), universeOf(universe), eventsOf(events, lines));
};
