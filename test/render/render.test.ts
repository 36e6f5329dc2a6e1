/**
 * The trace page's data, the SVG timeline and the machine diagrams, without a browser
 * (test/render/browser.*.test.ts drive the page in Chromium and Firefox).
 */
import fc from 'fast-check';
import { and, assign, emit, enqueueActions, not, or, setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import { krefMachine } from '../../models/krefMachine.ts';
import { run } from '../../src/cli/main.ts';
import { ZOO } from '../../src/checker/zoo.ts';
import { checkSync } from '../../src/checker/check.ts';
import { NAMED_CONFIGS } from '../../src/checker/configs.ts';
import type { Event } from '../../src/events/codecs.ts';
import { encodeLog, parseLog, type ParsedLog } from '../../src/events/logFormat.ts';
import { pageHtml } from '../../src/render/html.ts';
import { machineGraph, machineSvg } from '../../src/render/machine.ts';
import { timelineSvg } from '../../src/render/timeline.ts';
import { eventClass, traceData, type TraceData } from '../../src/render/trace.ts';
import { stateView } from '../../src/render/view.ts';
import { replaySteps } from '../../src/replay/steps.ts';
import { parseDesign, type Design } from '../../src/state/design.ts';
import { layoutOf } from '../../src/state/layout.ts';
import { fcParams } from '../support/seed.ts';
import { memIo } from '../support/io.ts';
import { walk } from '../support/walk.ts';

const design = (name: string): Design => parseDesign(name) as Design;

/** The zoo-E counterexample on legacy@v6.1: mmap two pages, munmap the first. */
const zooE = (): ParsedLog => {
  const z = ZOO.find((x) => x.bug === 'E')!;
  const d = design('legacy@v6.1');
  const r = checkSync({ universe: z.universe, design: d, workers: 1 });
  return parseLog(encodeLog(d, z.universe, r.violation!.events));
};

/** The state rows a page rebuilds from a trace's changes (what page/app.js does when it opens). */
const rowsOf = (t: TraceData): number[][] => {
  const rows = [[...t.initial]];
  let at = 0;
  for (let i = 0; i < t.applied; i++) {
    const row = [...rows[i]];
    for (let n = t.changes[at++]; n > 0; n--) {
      const k = t.changes[at++];
      row[k] = t.changes[at++];
    }
    rows.push(row);
  }
  return rows;
};
const partsOf = (t: TraceData, row: readonly number[]) => {
  const P = t.geometry.procs;
  return {
    procs: row.slice(0, P).map((i) => t.parts.procs[i]),
    ctxs: t.parts.ctxs[row[P]],
    kernel: t.parts.kernel[row[P + 1]],
    tree: t.parts.tree[row[P + 2]],
    header: t.parts.header[row[P + 3]],
  };
};

describe('trace data', () => {
  it('zoo-E on legacy@v6.1: two steps, the split, the invalid free and the leaked head where replay puts them', () => {
    const t = traceData(zooE(), 'zoo-E');
    expect(t.stepStart).toEqual([0, 9]);
    expect(t.classes).toBe('cffffffffcffefff');
    expect(t.events[10]).toMatch(/^vm_area_dup\(split: pid 1 0x7f000001000\+1p/);
    expect(t.events[12]).toBe('x86/PAT: freeing invalid memtype [mem 0xfe000000-0xfe000fff]');
    expect(t.violations.map((v) => [v.invariant, v.kind, v.step, v.event])).toEqual([
      ['no-invalid-free', 'safety', 2, 12],
      ['tracking-precise', 'quality', 2, 13],
    ]);
    const rows = rowsOf(t);
    // after the mmap: one VMA over both pages holding VM_PAT, one entry over both frames
    const one = partsOf(t, rows[9]);
    expect(one.procs[0]!.vmas.map((v) => [v.range, v.track])).toEqual([['0x7f000000000-0x7f000002000', 'VM_PAT(lineage 1)']]);
    expect(one.tree.map((e) => [e.range, e.mode, e.ownerText])).toEqual([['[mem 0xfe000000-0xfe001fff]', 'WB', 'VM_PAT lineage 1']]);
    // after vm_area_dup (event 10): split in two, both still VM_PAT
    expect(partsOf(t, rows[11]).procs[0]!.vmas.map((v) => v.range)).toEqual(['0x7f000000000-0x7f000001000', '0x7f000001000-0x7f000002000']);
    // after the failed free (event 12): the header carries it, the entry is untouched
    const freed = partsOf(t, rows[13]);
    expect(freed.header.invalid?.range).toBe('[mem 0xfe000000-0xfe000fff]');
    expect(freed.tree.map((e) => e.range)).toEqual(['[mem 0xfe000000-0xfe001fff]']);
    // the end: the tail VMA maps only 0xfe001, the entry still covers 0xfe000 (the leaked head)
    const end = partsOf(t, rows[t.applied]);
    expect(end.procs[0]!.vmas.map((v) => [v.range, v.ptes])).toEqual([['0x7f000001000-0x7f000002000', [[1, 'WB']]]]);
    expect(end.tree.map((e) => e.range)).toEqual(['[mem 0xfe000000-0xfe001fff]']);
  });

  it('the stored changes rebuild every state exactly as view.ts reads it (random walks, four designs)', () => {
    const u = NAMED_CONFIGS.main.universe;
    fc.assert(
      fc.property(fc.constantFrom('tracked', 'legacy@v6.1', 'legacy@v6.15', 'precise'), fc.array(fc.nat(1000), { minLength: 1, maxLength: 30 }), (name, choices) => {
        const d = design(name);
        const w = walk(u, d, choices);
        const log = parseLog(encodeLog(d, u, w.events));
        const t = traceData(log, 'walk');
        const { states, initial } = replaySteps(log);
        const view = { u, L: layoutOf(u), design: d };
        const rows = rowsOf(t);
        expect(rows.length).toBe(states.length + 1);
        expect(partsOf(t, rows[0])).toEqual(stateView(view, initial));
        states.forEach((s, i) => expect(partsOf(t, rows[i + 1])).toEqual(stateView(view, s)));
        expect(t.stepStart.length).toBe(w.commands.length);
      }),
      fcParams(40),
    );
  });

  it('a rejected event stops the states where replay stops, and the page says why', () => {
    const log = zooE();
    const bad = { ...log, events: [...log.events.slice(0, 12), { type: 'vm_area_free', pid: 9, addr: 0, nrPages: 1 } as Event, ...log.events.slice(12)], lines: [...log.lines, log.lines.length + 2] };
    const t = traceData(bad, 'bad');
    expect(t.applied).toBe(12);
    expect(t.rejection?.event).toBe(12);
    expect(t.verdict).toMatch(/^REJECTED at event 13 \(line 14\): vm_area_free cannot apply: pid 9 is outside the universe/);
  });

  it('a log without step markers: every event is a step of its own, as replay counts them', () => {
    const log = zooE();
    const facts = log.events.filter((e) => e.type !== 'syscall');
    const t = traceData({ ...log, events: facts, lines: facts.map((_, i) => i + 2) }, 'facts');
    expect(t.stepStart).toEqual(facts.map((_, i) => i));
    // judged after every event, the reservation made before VM_PAT is set counts as a leak
    expect(t.violations.map((v) => [v.invariant, v.step])).toEqual([
      ['memtype-no-leak', 3],
      ['tracking-precise', 3],
      ['no-invalid-free', 11],
    ]);
  });

  it('event classes: a failed command, an error fact, a WARN, an ordinary fact', () => {
    const cmd = { kind: 'munmap', pid: 1, addr: 0, len: 4096 } as const;
    expect(eventClass({ type: 'syscall', pid: 1, cmd, ret: -22 })).toBe('failed-command');
    expect(eventClass({ type: 'syscall', pid: 1, cmd, ret: 0 })).toBe('command');
    expect(eventClass({ type: 'memtype_free', startPaddr: 0, endPaddr: 4096, ret: -22, match: 'none' })).toBe('error');
    expect(eventClass({ type: 'warn', reason: 'get_pat_info', message: 'x' })).toBe('error');
    expect(eventClass({ type: 'kref_get', ctxId: 1, kref: 2 })).toBe('fact');
  });
});

describe('the page', () => {
  it('is one file: its style, script and data inline, every fetch forbidden', () => {
    const html = pageHtml({ title: 't', panes: [traceData(zooE(), 'zoo-E')] });
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">`);
    expect(html).not.toMatch(/<(script|img|link|iframe)[^>]*\s(src|href)=/i);
    expect(html).not.toMatch(/@import|url\(/);
  });
  it('the data cannot end its script element, whatever a log says', () => {
    const log = zooE();
    const evil = '</script><script>document.title="owned"</script>';
    const events: Event[] = [...log.events, { type: 'warn', reason: 'get_pat_info', message: evil }];
    const data = { title: evil, panes: [traceData({ ...log, events, lines: [...log.lines, 99] }, evil)] };
    const html = pageHtml(data);
    expect(html.split('</script>').length).toBe(3); // the data's and the app's own
    const json = /<script type="application\/json" id="pfnmap-data">(.*?)<\/script>/s.exec(html)![1];
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(data)));
    expect(html).toContain('<title>&lt;/script&gt;');
  });
});

describe('the SVG timeline', () => {
  it('zoo-E: a lane per address space and for the tree, the failed free in the kernel-log lane, the violations at step 2', () => {
    const svg = timelineSvg(zooE(), 'zoo-E');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('>pid 1</text>');
    expect(svg).toContain('>memtype</text>');
    expect(svg).toContain('>invalid free</text>');
    expect(svg).toContain('<title>steps 1-2: memtype [mem 0xfe000000-0xfe001fff] WB (VM_PAT lineage 1)</title>');
    expect(svg).toContain('step 2: VIOLATION of no-invalid-free: memtype_free [mem 0xfe000000-0xfe000fff] failed: freeing invalid memtype');
    expect(svg).toContain('step 2: quality invariant broken: tracking-precise');
    expect(svg).toContain('1. pid 1: mmap(NULL, 0x2000, PROT_READ, MAP_SHARED, /dev/mem, 0xfe000000) = 0x7f000000000');
  });
  it('tracked: a ctx lane with its kref at each step', () => {
    const d = design('tracked');
    const u = NAMED_CONFIGS.fork2.universe;
    const w = walk(u, d, [0]);
    const svg = timelineSvg(parseLog(encodeLog(d, u, w.events)), 'one mmap');
    expect(svg).toContain('>ctx 1</text>');
    expect(svg).toContain('>kref 1</text>');
  });
});

describe('machine diagrams', () => {
  it('the kref machine: its states, guards, targets, emitted facts and assignments, from the machine object', () => {
    const g = machineGraph(krefMachine);
    expect(g.id).toBe('pfnmap_track_ctx.kref');
    expect(g.states.map((s) => [s.path, s.initial])).toEqual([
      ['live', true],
      ['released', false],
    ]);
    const live = g.states[0].transitions;
    expect(live.map((t) => [t.event, t.guard, t.targets, t.emits, t.actions])).toEqual([
      ['DUP', 'refcountSaturated', null, ['vm_area_dup_refused ret=-12 (refuseDup)'], []],
      ['DUP', null, null, ['kref_get{kref} (krefGet)'], ['assign count (increment)']],
      [
        'PUT',
        'lastReference && untrackRemaining',
        ['released'],
        ['kref_put{kref} (krefPut)', 'pfnmap_untrack range=remaining (untrackRemaining)', 'pfnmap_track_ctx_release (freeCtx)'],
        ['assign count (decrement)'],
      ],
      ['PUT', 'lastReference', ['released'], ['kref_put{kref} (krefPut)', 'pfnmap_untrack range=ctx (untrackRange)', 'pfnmap_track_ctx_release (freeCtx)'], ['assign count (decrement)']],
      ['PUT', null, null, ['kref_put{kref} (krefPut)'], ['assign count (decrement)']],
    ]);
    expect(g.guards.map((x) => x.name)).toEqual(['refcountSaturated', 'lastReference', 'untrackRemaining']);
  });
  it('walks any machine: nested states, eventless transitions, and / or / not and inline guards; a changed machine draws differently', () => {
    const make = (payload: number) =>
      setup({
        types: { context: {} as { n: number }, events: {} as { type: 'GO' } | { type: 'STOP' }, emitted: {} as { type: 'went'; n: number } | { type: 'hello' } },
        guards: { small: ({ context }) => context.n < 5, odd: ({ context }) => context.n % 2 === 1, above: ({ context }, p: { k: number }) => context.n > p.k },
        actions: { announce: emit({ type: 'hello' }) },
      }).createMachine({
        id: 'toy',
        context: { n: 0 },
        initial: 'a',
        states: {
          a: {
            initial: 'inner',
            states: { inner: { on: { GO: { guard: and(['small', not('odd')]), target: 'other', actions: emit({ type: 'went', n: payload }) } } }, other: {} },
            on: { STOP: { guard: or(['odd', ({ context }) => context.n > 3]), target: 'b', actions: assign({ n: 0 }) } },
          },
          b: { entry: 'announce', always: { target: 'a' }, on: { GO: { guard: { type: 'above', params: { k: 2 } }, actions: enqueueActions(({ enqueue }) => enqueue.emit({ type: 'hello' })) } } },
        },
      });
    const g = machineGraph(make(1));
    expect(g.states.map((s) => s.path)).toEqual(['a', 'a.inner', 'a.other', 'b']);
    expect(g.states[1].transitions[0]).toMatchObject({ event: 'GO', guard: 'small && !(odd)', targets: ['a.other'], emits: ['went n=1'] });
    expect(g.states[0].transitions[0].guard).toMatch(/^odd \|\| ƒ context\.n\s*>\s*3$/);
    expect(g.states[3].entry).toEqual({ emits: ['hello (announce)'], actions: [] });
    // (a function's source is as the transpiler printed it: tsx and vitest space it differently)
    expect(g.states[3].transitions.map((t) => [t.event, t.guard, t.targets, t.actions.map((a) => a.replace(/\s+/g, ''))])).toEqual([
      ['GO', 'above({"k":2})', null, ['enqueueƒenqueue.emit({type:"hello"})']],
      ['', null, ['a'], []],
    ]);
    expect(machineSvg(machineGraph(make(1)))).not.toBe(machineSvg(machineGraph(make(2))));
  });
});

describe('pfnmap render and --html', () => {
  const cli = async (...args: string[]) => {
    const m = memIo();
    const code = await run(args, m.io);
    return { code, ...m };
  };
  it('render writes the page and the timeline; a bad log is one line, exit 2', async () => {
    const m = memIo();
    m.files.set('e.ndjson', encodeLog(design('legacy@v6.1'), ZOO.find((x) => x.bug === 'E')!.universe, zooE().events));
    const code = await run(['render', 'e.ndjson', '--html', 'e.html', '--svg', 'e.svg'], m.io);
    expect(code).toBe(0);
    expect(m.files.get('e.html')).toMatch(/^<!doctype html>/);
    expect(m.files.get('e.svg')).toMatch(/^<svg /);
    expect(m.out[0]).toBe('page written to e.html: 2 steps, VIOLATION of no-invalid-free at step 2: memtype_free [mem 0xfe000000-0xfe000fff] failed: freeing invalid memtype');
    m.files.set('bad.ndjson', '{"format":"pfnmap-events","version":1,"design":"tracked","config":{}}\n{"type":"kref_get","ctxId":"x","kref":1}\n');
    expect(await run(['render', 'bad.ndjson', '--html', 'b.html'], m.io)).toBe(2);
    expect(m.err.at(-1)).toBe(`pfnmap: bad.ndjson:line 2, field 'ctxId': expected number, got "x"`);
    expect((await cli('render', 'e.ndjson')).code).toBe(2);
  });
  it('check --html writes the counterexample page; a proof writes none and says so', async () => {
    const v = await cli('check', '--config', 'zoo-E', '--design', 'legacy@v6.1', '--html', 'e.html', '--workers', '1');
    expect(v.code).toBe(1);
    expect(v.out).toContain('  trace page written to e.html');
    expect(v.files.get('e.html')).toContain('pfnmap check --config zoo-E --design legacy@v6.1: VIOLATION of no-invalid-free');
    const p = await cli('check', '--config', 'tiny', '--invariants', 'vma-no-overlap', '--html', 't.html', '--workers', '1');
    expect(p.code).toBe(0);
    expect(p.out.at(-1)).toBe('no counterexample to draw: t.html was not written');
    expect(p.files.has('t.html')).toBe(false);
  });
  it('scenario, replay, diff and conform write the page too', async () => {
    const s = await cli('scenario', 'munmap_split', '--design', 'tracked', '--html', 's.html');
    expect(s.files.get('s.html')).toContain('pfnmap scenario munmap_split --design tracked');
    expect((await cli('scenario', 'all', '--html', 'x.html')).err).toEqual(['pfnmap: scenario: --html needs a single scenario']);
    const d = await cli('diff', '--designs', 'legacy@v6.15,tracked', 'munmap_split', '--html', 'd.html');
    const data = JSON.parse(/id="pfnmap-data">(.*?)<\/script>/s.exec(d.files.get('d.html')!)![1]);
    expect(data.panes.map((p: TraceData) => p.design)).toEqual(['legacy@v6.15', 'tracked']);
    expect(data.divergence.step).toBe(2);
    const c = await cli('conform', '--design', 'legacy@v6.15-rc1', 'test/fixtures/kernel/6.1.192/selftest_munmap_split.ndjson', '--html', 'c.html');
    const cd = JSON.parse(/id="pfnmap-data">(.*?)<\/script>/s.exec(c.files.get('c.html')!)![1]);
    expect(cd.divergence.step).toBe(2);
    expect(cd.record.steps[1][1]).toMatch(/^klog: x86\/PAT: .*freeing invalid memtype/);
    const r = await cli('replay', 'test/fixtures/kernel/6.1.192/selftest_munmap_split.ndjson', '--html', 'r.html');
    expect(r.code).toBe(2); // a recorded kernel run is not an event log
  });
});
