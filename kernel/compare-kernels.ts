/**
 * compare-kernels.ts -- the corpus as recorded on two kernels, compared kernel against kernel
 * (src/conform/kdiff.ts): for each program recorded on both, the first step where the two
 * kernels answered differently, or nothing.
 *
 * Usage: npm run kernel:compare -- DIR_A DIR_B     (e.g. test/fixtures/kernel/6.16.12 test/fixtures/kernel/6.19.14)
 * Exit status: 0 the kernels answered alike everywhere, 1 some program differs, 2 bad input.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kernelDiff } from '../src/conform/kdiff.ts';
import { parseRecorded, RecordedError, type RecordedRun } from '../src/conform/recorded.ts';
import { scriptArgs, usageExit } from '../src/cli/args.ts';

const [dirA, dirB] = scriptArgs(process.argv.slice(2), {}, 'compare-kernels', 2).positional;
if (!dirA || !dirB) usageExit('usage: compare-kernels.ts DIR_A DIR_B');
const read = (dir: string, f: string): RecordedRun => {
  try {
    return parseRecorded(readFileSync(join(dir, f), 'utf8'));
  } catch (e) {
    if (e instanceof RecordedError) {
      process.stderr.write(`compare-kernels: ${join(dir, f)}:${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
};
const list = (d: string): string[] => {
  try {
    return readdirSync(d).filter((f) => f.endsWith('.ndjson'));
  } catch {
    process.stderr.write(`compare-kernels: ${d}: not a directory\n`);
    process.exit(2);
  }
};
const filesA = new Set(list(dirA));
const both = list(dirB).filter((f) => filesA.has(f)).sort();
let differ = 0;
for (const f of both) {
  const a = read(dirA, f);
  const b = read(dirB, f);
  const d = kernelDiff(a, b);
  if (!d) continue;
  differ++;
  console.log(`${a.program}: step ${d.step}: ${d.call}`);
  console.log(`  ${d.aspect}:`);
  console.log(`    ${a.linux || a.kernel}: ${d.a.join('\n      ')}`);
  console.log(`    ${b.linux || b.kernel}: ${d.b.join('\n      ')}`);
}
console.log(`${both.length} program(s) recorded on both, ${differ} answered differently`);
process.exit(differ ? 1 : 0);
