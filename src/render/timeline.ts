/**
 * A static timeline of an event log as one SVG (for docs, reviews and mail): steps left to
 * right, one column each (column 0 the initial state); lanes for each address space (its
 * virtual pages, VMAs and PTEs at the end of each step), each pfnmap_track_ctx (its kref per
 * step), each memtype entry (a bar from the step that reserved it to the last step that still
 * holds it) and the kernel's complaints (failed frees, WARNs, refused reservations); every
 * invariant violation replay reports is a vertical line at its step. The numbered commands
 * are listed under the chart. The states are replay's (src/replay/steps.ts) read through
 * view.ts, as the page shows them.
 */
import type { Event } from '../events/codecs.ts';
import { eventText } from '../events/format.ts';
import { isStepStart, type ParsedLog } from '../events/logFormat.ts';
import { replaySteps } from '../replay/steps.ts';
import type { View } from '../state/describe.ts';
import { errnoName } from '../state/errno.ts';
import { hex } from '../state/geometry.ts';
import { layoutOf } from '../state/layout.ts';
import { eventClass } from './trace.ts';
import { stateView, type EntryPart, type StateView } from './view.ts';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ESC[c]);
const CHAR = 6.6;
const cut = (s: string, px: number): string => {
  const n = Math.max(1, Math.floor(px / CHAR));
  return s.length <= n ? s : s.slice(0, Math.max(1, n - 1)) + '…';
};

const COL = 118;
const LEFT = 96;
const ownerHue = (o: number): number => (o * 67 + 200) % 360;

/** The short head of a step: the command's name and its result. */
const stepHead = (e: Event | undefined): [string, string] => {
  if (!e) return ['', ''];
  if (e.type === 'syscall' || e.type === 'kernel_call') {
    const who = e.type === 'syscall' ? `pid ${e.pid} ` : 'kernel ';
    const r = e.ret < 0 ? errnoName(e.ret) : e.ret > 0xffff ? hex(e.ret) : String(e.ret);
    return [`${who}${e.cmd.kind}`, `= ${r}${e.type === 'syscall' && e.signal ? ` ${e.signal}` : ''}`];
  }
  return [e.type, ''];
};

/** A short name for an error event in the kernel-log lane. */
const complaint = (e: Event): string =>
  e.type === 'memtype_free' ? 'invalid free' : e.type === 'warn' ? `WARN ${e.reason}` : e.type === 'memtype_reserve' ? `reserve ${errnoName(e.ret)}` : `${e.type} ${'ret' in e ? errnoName(e.ret as number) : ''}`;

const STYLE = `
  svg { --fg: #1d2330; --muted: #5b6475; --grid: #e3e7ed; --bg: #ffffff; --vma: #dfe9f7; --vma-stroke: #4a72b0; --bad: #c0392b; --quality: #8a5a00; --l: 80%; }
  @media (prefers-color-scheme: dark) { svg { --fg: #e4e8ef; --muted: #9aa4b5; --grid: #2a313b; --bg: #15181e; --vma: #23344f; --vma-stroke: #7fa5e0; --bad: #ff7b6b; --quality: #f2c15a; --l: 32%; } }
  .bg { fill: var(--bg); }
  text { fill: var(--fg); font: 11px ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace; }
  text.lane { font: 600 12px system-ui, sans-serif; }
  text.muted { fill: var(--muted); }
  text.title { font: 600 14px system-ui, sans-serif; }
  text.bad { fill: var(--bad); }
  .grid { stroke: var(--grid); fill: none; }
  .page { fill: none; stroke: var(--grid); }
  .vma { fill: var(--vma); stroke: var(--vma-stroke); }
  .pte { fill: var(--fg); }
  .bar { stroke: var(--fg); stroke-width: 0.8; }
  .m-WB { fill: #b9dcb3; } .m-WC { fill: #b3d3f0; } .m-UC- { fill: #f5d0a9; } .m-UC { fill: #f0b3b3; } .m-WT { fill: #d9c7ee; } .m-WP { fill: #e9e3a6; }
  @media (prefers-color-scheme: dark) { .m-WB { fill: #2f5a2a; } .m-WC { fill: #23496e; } .m-UC- { fill: #6a4a23; } .m-UC { fill: #6e2a2a; } .m-WT { fill: #4d3a6c; } .m-WP { fill: #5b5620; } }
  .violation { stroke: var(--bad); stroke-width: 2; }
  .violation.quality { stroke: var(--quality); stroke-dasharray: 5 3; }
`;

export const timelineSvg = (log: ParsedLog, title: string): string => {
  const { result, initial, states, stepOf } = replaySteps(log);
  const w: View = { u: log.universe, L: layoutOf(log.universe), design: log.design };
  // the state at the end of each step (column 0: the initial state)
  const lastOfStep: number[] = [];
  stepOf.forEach((st, i) => (lastOfStep[st] = i));
  const steps = result.steps;
  const eventsOf: Event[][] = Array.from({ length: steps + 1 }, () => []);
  stepOf.forEach((st, i) => eventsOf[st].push(log.events[i]));
  const views: StateView[] = [stateView(w, initial)];
  const heads: Event[] = [];
  const complaints: string[][] = [[]];
  for (let k = 1; k <= steps; k++) {
    const last = lastOfStep[k];
    views.push(last === undefined ? views[k - 1] : stateView(w, states[last]));
    heads.push(eventsOf[k].find((e) => isStepStart(e.type)) ?? eventsOf[k][0]);
    complaints.push(eventsOf[k].filter((e) => eventClass(e) === 'error').map(complaint));
  }
  const cols = steps + 1;
  const width = LEFT + cols * COL + 12;
  const cx = (k: number): number => LEFT + k * COL;
  const out: string[] = [];
  let y = 22;
  out.push(`<text class="title" x="8" y="${y}">${esc(title)}</text>`);
  y += 16;
  out.push(`<text class="muted" x="8" y="${y}">${esc(`design ${log.design.name} · config ${log.universe.name} · ${result.violation ? `VIOLATION of ${result.violation.invariant} at step ${result.violation.step}` : result.rejection ? `replay stopped at event ${result.rejection.event + 1}` : 'every invariant holds at every step end'}`)}</text>`);
  y += 14;
  const chartTop = y;
  // column heads
  for (let k = 0; k < cols; k++) {
    const [a, b] = k === 0 ? ['initial', ''] : stepHead(heads[k - 1]);
    out.push(`<text x="${cx(k) + 4}" y="${y + 12}">${k}</text><text class="muted" x="${cx(k) + 22}" y="${y + 12}">${esc(cut(a, COL - 26))}</text><text class="muted" x="${cx(k) + 4}" y="${y + 25}">${esc(cut(b, COL - 8))}</text>`);
  }
  y += 32;
  const laneLine = (yy: number): void => void out.push(`<line class="grid" x1="8" y1="${yy}" x2="${width - 8}" y2="${yy}"></line>`);
  // address spaces
  const V = log.universe.vpages;
  const pageW = (COL - 10) / V;
  for (let p = 0; p < w.L.P; p++) {
    if (!views.some((v) => v.procs[p])) continue;
    laneLine(y);
    const pid = views.find((v) => v.procs[p])!.procs[p]!.pid;
    out.push(`<text class="lane" x="8" y="${y + 24}">pid ${pid}</text>`);
    views.forEach((v, k) => {
      const proc = v.procs[p];
      const x0 = cx(k) + 4;
      if (!proc) {
        out.push(`<text class="muted" x="${x0}" y="${y + 24}">—</text>`);
        return;
      }
      for (let i = 0; i < V; i++) out.push(`<rect class="page" x="${x0 + i * pageW}" y="${y + 8}" width="${pageW}" height="24"></rect>`);
      for (const m of proc.vmas) {
        const style = m.owner ? ` style="fill:hsl(${ownerHue(m.owner)} 60% var(--l))"` : '';
        out.push(`<g><title>${esc(`step ${k}: ${m.text}`)}</title><rect class="vma" x="${x0 + m.s * pageW + 1}" y="${y + 9}" width="${(m.e - m.s) * pageW - 2}" height="22" rx="3"${style}></rect>`);
        m.ptes.forEach((pte, i) => {
          if (pte !== 0) out.push(`<circle class="pte" cx="${x0 + (m.s + i + 0.5) * pageW}" cy="${y + 20}" r="${pte === 'anon' ? 2 : 3.5}"></circle>`);
        });
        out.push('</g>');
      }
    });
    y += 40;
  }
  // ctxs: one lane per id, the kref at each step it lives
  const ctxIds = [...new Set(views.flatMap((v) => v.ctxs.map((c) => c.id)))].sort((a, b) => a - b);
  for (const id of ctxIds) {
    laneLine(y);
    out.push(`<text class="lane" x="8" y="${y + 20}">ctx ${id}</text>`);
    views.forEach((v, k) => {
      const c = v.ctxs.find((x) => x.id === id);
      if (!c) return;
      out.push(
        `<g><title>${esc(`step ${k}: ${c.text}`)}</title><rect x="${cx(k)}" y="${y + 6}" width="${COL}" height="20" style="fill:hsl(${ownerHue(id)} 60% var(--l))"></rect><text x="${cx(k) + 6}" y="${y + 20}">kref ${c.kref}</text></g>`,
      );
    });
    y += 32;
  }
  // memtype entries: each one a bar over the steps that hold it; entries whose lives do not overlap share a lane
  const entryKey = (t: EntryPart): string => `${t.s}:${t.e}:${t.mode}:${t.owner}`;
  interface Life {
    readonly t: EntryPart;
    readonly from: number;
    to: number;
  }
  const lives: Life[] = [];
  const open = new Map<string, Life[]>();
  views.forEach((v, k) => {
    const seen = new Map<string, number>();
    for (const t of v.tree) {
      const key = entryKey(t);
      const n = seen.get(key) ?? 0;
      seen.set(key, n + 1);
      const list = open.get(key) ?? [];
      const life = list[n];
      if (life && life.to === k - 1) life.to = k;
      else {
        const fresh = { t, from: k, to: k };
        list[n] = fresh;
        open.set(key, list);
        lives.push(fresh);
      }
    }
  });
  const laneEnds: number[] = [];
  const laneOf = lives.map((l) => {
    let r = laneEnds.findIndex((end) => end < l.from);
    if (r < 0) r = laneEnds.length;
    laneEnds[r] = l.to;
    return r;
  });
  laneLine(y);
  out.push(`<text class="lane" x="8" y="${y + 20}">memtype</text>`);
  if (!lives.length) out.push(`<text class="muted" x="${LEFT + 4}" y="${y + 20}">(no reservation)</text>`);
  // each bar is numbered; the entries are listed in full under the chart (a tooltip is no help in mail)
  const entryLines = lives.map((l, i) => `#${i + 1} ${l.t.range} ${l.t.mode} (${l.t.ownerText}): ${l.from === l.to ? `step ${l.from}` : `steps ${l.from}-${l.to}`}`);
  lives.forEach((l, i) => {
    const top = y + 6 + laneOf[i] * 26;
    const x = cx(l.from) + 2;
    const wBar = (l.to - l.from + 1) * COL - 4;
    out.push(
      `<g><title>${esc(`steps ${l.from}-${l.to}: ${l.t.text}`)}</title><rect class="bar m-${esc(l.t.mode)}" x="${x}" y="${top}" width="${wBar}" height="20" rx="3"></rect><text x="${x + 5}" y="${top + 14}">${esc(cut(`#${i + 1} ${l.t.mode} ${l.t.ownerText} ${l.t.range}`, wBar - 8))}</text></g>`,
    );
  });
  y += Math.max(1, laneEnds.length) * 26 + 8;
  // the kernel's complaints
  if (complaints.some((c) => c.length)) {
    laneLine(y);
    out.push(`<text class="lane" x="8" y="${y + 20}">kernel log</text>`);
    complaints.forEach((list, k) =>
      list.forEach((c, i) => out.push(`<text class="bad" x="${cx(k) + 4}" y="${y + 18 + i * 14}">${esc(cut(c, COL - 8))}</text>`)),
    );
    y += Math.max(...complaints.map((c) => c.length)) * 14 + 12;
  }
  laneLine(y);
  const chartBottom = y;
  // violations: a line down the step where replay reports each
  const broken = [...result.violations, ...result.quality].sort((a, b) => a.step - b.step);
  broken.forEach((v, i) => {
    const x = cx(v.step) + COL - 3;
    out.push(`<g><title>${esc(`step ${v.step}: ${v.kind === 'safety' ? 'VIOLATION of' : 'quality invariant broken:'} ${v.invariant}: ${v.message}`)}</title><line class="violation ${v.kind}" x1="${x}" y1="${chartTop}" x2="${x}" y2="${chartBottom}"></line></g>`);
    out.push(`<text class="${v.kind === 'safety' ? 'bad' : 'muted'}" x="8" y="${chartBottom + 16 + i * 14}">${esc(`${v.kind === 'safety' ? 'VIOLATION' : 'quality'} at step ${v.step}: ${v.invariant}: ${v.message}`)}</text>`);
  });
  y = chartBottom + 16 + broken.length * 14 + 6;
  // the commands and the memtype entries in full
  const commandLines = heads.map((e, i) => `${i + 1}. ${e ? eventText(e) : ''}`);
  for (const line of [...commandLines, ...(entryLines.length ? ['', 'memtype entries:', ...entryLines] : [])]) {
    out.push(`<text x="8" y="${y}">${esc(line)}</text>`);
    y += 14;
  }
  y += 4;
  // the column lines go under everything else
  out.unshift(...Array.from({ length: cols + 1 }, (_, k) => `<line class="grid" x1="${cx(k)}" y1="${chartTop}" x2="${cx(k)}" y2="${chartBottom}"></line>`));
  const longest = Math.max(0, ...commandLines.map((l) => l.length), ...entryLines.map((l) => l.length), ...broken.map((v) => v.message.length + 40));
  const fullWidth = Math.max(width, Math.ceil(16 + longest * CHAR), Math.ceil(16 + title.length * 8.2));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${fullWidth}" height="${y}" viewBox="0 0 ${fullWidth} ${y}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title><style>${STYLE}</style><rect class="bg" x="0" y="0" width="${fullWidth}" height="${y}"></rect>${out.join('')}</svg>\n`;
};
