/**
 * conformance-table.ts -- the tables of docs/real-kernel.md §8, from the recordings:
 * kernel x preset x recordings x conforming, which programs two consecutive kernels answer
 * differently (src/conform/kdiff.ts), and, with --scenarios, every scenario on every kernel.
 *
 * Usage: npm run kernel:table [-- --scenarios]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { conform } from '../src/conform/compare.ts';
import { kernelDiff } from '../src/conform/kdiff.ts';
import { KNOWN_DIVERGENCES } from '../src/conform/known.ts';
import { parseRecorded, type RecordedRun } from '../src/conform/recorded.ts';
import { corpus } from '../src/repro/corpus.ts';
import { scriptArgs } from '../src/cli/args.ts';
import { parseDesign, type Design } from '../src/state/design.ts';

const scenarios = !!scriptArgs(process.argv.slice(2), { scenarios: 'bool' }, 'kernel:table').flags.scenarios;

const ROOT = new URL('../test/fixtures/kernel/', import.meta.url).pathname;
const versions = readdirSync(ROOT)
  .filter((d) => /^\d+\.\d+/.test(d))
  .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
const runs = new Map<string, Map<string, RecordedRun>>();
for (const v of versions) {
  const m = new Map<string, RecordedRun>();
  for (const f of readdirSync(join(ROOT, v)).filter((f) => f.endsWith('.ndjson'))) {
    const r = parseRecorded(readFileSync(join(ROOT, v, f), 'utf8'));
    m.set(r.program, r);
  }
  runs.set(v, m);
}
const verdict = (v: string, r: RecordedRun): string => {
  const d = conform(r, parseDesign(r.design) as Design).divergence;
  if (!d) return 'conforms';
  const k = KNOWN_DIVERGENCES.find((x) => x.kernel === v && x.program === r.program && x.design === r.design);
  return k ? k.id : `DIVERGES (step ${d.step}, ${d.aspect})`;
};

console.log('| kernel | Debian package | preset | recordings | conforming |');
console.log('|---|---|---|---|---|');
const verdicts = new Map<string, Map<string, string>>();
for (const v of versions) {
  const m = runs.get(v)!;
  const vs = new Map([...m].map(([p, r]) => [p, verdict(v, r)]));
  verdicts.set(v, vs);
  const any = [...m.values()][0];
  const designs = [...new Set([...m.values()].map((r) => r.design))].join(', ');
  console.log(`| ${v} | \`${any.kernel}\` | \`${designs}\` | ${m.size} | ${[...vs.values()].filter((x) => x === 'conforms').length} |`);
}
console.log('');
console.log('| kernels | programs answered differently |');
console.log('|---|---|');
for (let i = 1; i < versions.length; i++) {
  const a = runs.get(versions[i - 1])!;
  const b = runs.get(versions[i])!;
  const both = [...a.keys()].filter((p) => b.has(p));
  const differ = both.filter((p) => kernelDiff(a.get(p)!, b.get(p)!)).sort();
  const list = differ.length === 0 ? 'none' : differ.length === both.length ? `every one of the ${both.length}` : `${differ.length}: ${differ.map((p) => `\`${p}\``).join(', ')}`;
  console.log(`| ${versions[i - 1]} → ${versions[i]} | ${list} |`);
}
if (scenarios) {
  console.log('');
  console.log(`| scenario | ${versions.join(' | ')} |`);
  console.log(`|---|${versions.map(() => '---').join('|')}|`);
  for (const s of corpus()) console.log(`| \`${s.name}\` | ${versions.map((v) => verdicts.get(v)!.get(s.name) ?? '–').join(' | ')} |`);
}
