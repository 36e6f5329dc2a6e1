/** `pfnmap replay LOG`: fold an event log, check every invariant after every event. */
import { eventText, traceText } from '../events/format.ts';
import { parseLogLines } from '../events/logFormat.ts';
import { replay } from '../replay/replay.ts';
import { printable } from '../util/quote.ts';
import { parseArgs, UsageError } from './args.ts';
import { readInput } from './input.ts';
import { EXIT } from './exit.ts';
import type { Io } from './main.ts';
import { logPage, writePage } from './render.ts';
import { resolveInvariants } from './resolve.ts';

export const cmdReplay = (argv: readonly string[], io: Io): number => {
  const { positional, flags } = parseArgs(argv, { invariants: 'string', json: 'bool', html: 'string' }, 'replay');
  if (positional.length !== 1) throw new UsageError(`replay: expected one LOG.ndjson${positional.length ? `, got ${positional.length} arguments` : ''}`);
  const file = positional[0];
  const log = readInput(io, file, parseLogLines);
  // the names are checked against the log's design: one that does not apply would check nothing
  const invariants = resolveInvariants(flags.invariants as string | undefined, log.design);
  const r = replay(log, invariants);
  if (flags.html) writePage(io, flags.html as string, logPage(log, `pfnmap replay ${file}`, file));
  if (r.rejection) {
    const j = r.rejection;
    if (flags.json) io.out(JSON.stringify({ result: 'bad-input', file, ...j }));
    io.err(`pfnmap: ${printable(file, 200)}:line ${j.line}${j.field ? `, field '${printable(j.field)}'` : ''}: ${j.type} cannot apply: ${j.message}`);
    return EXIT.usage;
  }
  if (flags.json) {
    const { state: _s, ...rest } = r;
    io.out(JSON.stringify({ result: r.violation ? 'violation' : 'clean', file, design: log.design.name, config: log.universe.name, ...rest }, null, 1));
    return r.violation ? EXIT.violation : EXIT.ok;
  }
  io.out(`pfnmap replay ${file}: design ${log.design.name}, config ${log.universe.name}, ${r.events} events in ${r.steps} steps`);
  if (r.violation) {
    const v = r.violation;
    io.out(`VIOLATION of ${v.invariant} at event ${v.event + 1} (line ${v.line}, step ${v.step}): ${v.message}`);
    io.out(`  the event: ${eventText(log.events[v.event])}`);
    io.out('  the events that led there:');
    for (const l of traceText(v.context.slice(-40))) io.out('    ' + l);
    for (const o of r.violations.slice(1)) io.out(`later: ${o.invariant} broken at event ${o.event + 1} (line ${o.line}, step ${o.step}): ${o.message}`);
  } else io.out(`OK: every checked invariant holds at the end of every step (${r.invariants.join(', ')})`);
  for (const q of r.quality) io.out(`quality invariant ${q.invariant} broken at event ${q.event + 1} (line ${q.line}, step ${q.step}): ${q.message}`);
  io.out('final state:');
  for (const l of r.finalState) io.out('  ' + l);
  if (flags.html) io.out(`trace page written to ${flags.html}`);
  return r.violation ? EXIT.violation : EXIT.ok;
};
