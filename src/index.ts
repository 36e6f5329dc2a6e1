/**
 * The library API: the same operations as the CLI, returning data.
 *
 *   import { check, replayLog, runScenario, parseDesign, NAMED_CONFIGS } from 'pfnmap-model';
 */
export { checkSync as check, checkAsync, type CheckOptions, type CheckResult, type Counterexample, type Verdict } from './checker/check.ts';
export { NAMED_CONFIGS, DEFAULT_CONFIG } from './checker/configs.ts';
export { ZOO } from './checker/zoo.ts';
export { simulate } from './checker/simulate.ts';
export { decodeConfig, DEFAULT_UNIVERSE } from './state/config.ts';
export { DESIGN_PRESETS, parseDesign, type Design } from './state/design.ts';
export type { Universe } from './state/universe.ts';
export { Event } from './events/codecs.ts';
export { Command } from './events/commands.ts';
export { parseLog, encodeLog, LogError } from './events/logFormat.ts';
export { eventText, commandText, traceText } from './events/format.ts';
export { replay as replayLog, type ReplayResult } from './replay/replay.ts';
export { makeReducer, initialState } from './reducer/reduce.ts';
export { runCommands } from './scenarios/run.ts';
export { SELFTEST_SCENARIOS, SCENARIO_UNIVERSE } from './scenarios/selftest.ts';
export { INVARIANTS } from '../invariants/index.ts';
export { MUTANTS } from '../models/mutants.ts';
export { Kernel } from '../models/kernel.ts';
