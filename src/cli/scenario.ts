/** `pfnmap scenario NAME|all`: the pfnmap selftest cases, run and judged. */
import { commandText, eventText } from '../events/format.ts';
import { encodeLog, parseLog } from '../events/logFormat.ts';
import { replay, type ReplayResult } from '../replay/replay.ts';
import { runCommands } from '../scenarios/run.ts';
import { SCENARIO_UNIVERSE, SELFTEST_SCENARIOS, type Scenario } from '../scenarios/selftest.ts';
import { errnoName } from '../state/errno.ts';
import { entryText } from '../state/describe.ts';
import { hex } from '../state/geometry.ts';
import { treeCount } from '../state/access.ts';
import { layoutOf } from '../state/layout.ts';
import type { Design } from '../state/design.ts';
import { quote } from '../util/quote.ts';
import { parseArgs, UsageError } from './args.ts';
import { EXIT } from './exit.ts';
import type { Io } from './main.ts';
import { logPage, writePage } from './render.ts';
import { resolveDesign } from './resolve.ts';

export interface ScenarioOutcome {
  readonly scenario: string;
  readonly design: string;
  readonly steps: readonly { readonly command: string; readonly ret: number; readonly signal?: string; readonly memtype: readonly string[]; readonly printk: readonly string[] }[];
  readonly log: string;
  readonly replay: ReplayResult;
}

export const runScenario = (sc: Scenario, design: Design): ScenarioOutcome => {
  const u = SCENARIO_UNIVERSE;
  const L = layoutOf(u);
  const run = runCommands(u, design, sc.commands);
  if (run.error) throw new Error(`scenario ${sc.name}: step ${run.error.step + 1}: ${run.error.message}`);
  const w = { u, L, design };
  const steps = run.steps.map((st, i) => {
    const end = i + 1 < run.steps.length ? run.steps[i + 1].firstEvent : run.events.length;
    const printk = run.events
      .slice(st.firstEvent, end)
      .filter((e) => (e.type === 'memtype_free' && e.match === 'none') || e.type === 'warn' || (e.type === 'memtype_reserve' && e.ret !== 0))
      .map(eventText);
    const memtype: string[] = [];
    for (let k = 0; k < treeCount(L, st.state); k++) memtype.push(entryText(w, st.state, k));
    return { command: commandText(st.cmd), ret: st.result.ret, signal: st.result.signal, memtype, printk };
  });
  const log = encodeLog(design, u, run.events);
  return { scenario: sc.name, design: design.name, steps, log, replay: replay(parseLog(log)) };
};

export const cmdScenario = (argv: readonly string[], io: Io): number => {
  const { positional, flags } = parseArgs(argv, { design: 'string', out: 'string', json: 'bool', html: 'string' }, 'scenario');
  if (positional.length !== 1) throw new UsageError(`scenario: expected a scenario name or 'all' (${SELFTEST_SCENARIOS.map((s) => s.name).join(', ')})`);
  const design = resolveDesign(flags.design as string | undefined);
  const chosen = positional[0] === 'all' ? SELFTEST_SCENARIOS : SELFTEST_SCENARIOS.filter((s) => s.name === positional[0]);
  if (!chosen.length) throw new UsageError(`scenario: unknown scenario ${quote(positional[0])} (known: ${SELFTEST_SCENARIOS.map((s) => s.name).join(', ')}, all)`);
  const out = flags.out as string | undefined;
  const html = flags.html as string | undefined;
  if ((out !== undefined || html !== undefined) && chosen.length > 1) throw new UsageError(`scenario: --${out !== undefined ? 'out' : 'html'} needs a single scenario`);
  if (out !== undefined) io.checkOutput(out);
  if (html !== undefined) io.checkOutput(html);
  let worst: number = EXIT.ok;
  const json: unknown[] = [];
  for (const sc of chosen) {
    const o = runScenario(sc, design);
    if (o.replay.violation) worst = EXIT.violation;
    if (flags.json) {
      const { state: _s, ...rep } = o.replay;
      json.push({ scenario: o.scenario, design: o.design, steps: o.steps, replay: rep });
      if (out !== undefined) io.writeFile(out, o.log);
      continue;
    }
    io.out(`scenario ${sc.name} on ${design.name}: ${sc.description}`);
    o.steps.forEach((st, i) => {
      io.out(`  ${i + 1}. ${st.command} = ${st.ret < 0 ? errnoName(st.ret) : st.ret > 0xffff ? hex(st.ret) : st.ret}${st.signal ? ` (${st.signal})` : ''}`);
      for (const p of st.printk) io.out(`       ${p}`);
      io.out(`       memtype: ${st.memtype.length ? st.memtype.join('; ') : 'empty'}`);
    });
    const r = o.replay;
    for (const v of r.violations) io.out(`  VIOLATION of ${v.invariant} at step ${v.step}: ${v.message}`);
    if (!r.violations.length) io.out(`  every safety invariant holds after every step`);
    for (const q of r.quality) io.out(`  quality: ${q.invariant} broken at step ${q.step}: ${q.message}`);
    if (out !== undefined) {
      io.writeFile(out, o.log);
      io.out(`  event log written to ${out}`);
    }
    if (html !== undefined) {
      writePage(io, html, logPage(parseLog(o.log), `pfnmap scenario ${sc.name} --design ${design.name}`, `${sc.name}: ${sc.description}`));
      io.out(`  trace page written to ${html}`);
    }
  }
  if (flags.json) io.out(JSON.stringify(json.length === 1 ? json[0] : json, null, 1));
  return worst;
};
