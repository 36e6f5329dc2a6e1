/**
 * Machine diagrams, drawn from the XState machine objects themselves (never from a list kept
 * by hand): every state node, every transition branch in the order XState tries them, its
 * guard, its target, the facts it emit()s and the context it assigns. scripts/machines.ts
 * writes one SVG per machine to docs/machines/, and its --check mode fails when a committed
 * diagram differs from what the machines give today.
 *
 * Guards are shown by name (named guards), as a boolean expression (and / or / not), or, for
 * an inline guard, by its source; emitted facts by their type with their fields (a value where
 * it is a constant, the field name where the machine computes it).
 */
import type { AnyStateMachine } from 'xstate';

export interface MachineTransition {
  /** the event type ('' for an eventless `always` transition) */
  readonly event: string;
  readonly guard: string | null;
  /** state paths; null: the transition stays in its state (no target) */
  readonly targets: readonly string[] | null;
  /** emitted facts, e.g. 'kref_put{kref}' or 'remap_refused ret=-22' */
  readonly emits: readonly string[];
  /** other actions: 'assign count', named actions */
  readonly actions: readonly string[];
}

export interface MachineEffects {
  readonly emits: readonly string[];
  readonly actions: readonly string[];
}

export interface MachineState {
  /** dotted path from the root, e.g. 'tracked' or 'live.counting' */
  readonly path: string;
  readonly type: string;
  readonly initial: boolean;
  readonly entry: MachineEffects;
  readonly exit: MachineEffects;
  readonly transitions: readonly MachineTransition[];
}

export interface MachineGraph {
  readonly id: string;
  readonly states: readonly MachineState[];
  /** the named guards and their source */
  readonly guards: readonly { readonly name: string; readonly source: string }[];
}

// The parts of XState's StateNode and TransitionDefinition this file reads (XState 5).
interface XNode {
  readonly key: string;
  readonly path: readonly string[];
  readonly type: string;
  readonly states: Readonly<Record<string, XNode>>;
  readonly transitions: ReadonlyMap<string, readonly XTransition[]>;
  readonly always?: readonly XTransition[];
  readonly initial?: { readonly target: readonly XNode[] };
  readonly entry: readonly unknown[];
  readonly exit: readonly unknown[];
}
interface XTransition {
  readonly eventType: string;
  readonly guard?: unknown;
  readonly target?: readonly XNode[];
  readonly actions: readonly unknown[];
}

/** The body of a function's source, whitespace folded ('({context})=>x' gives 'x'). */
const sourceBody = (f: Function): string => {
  const s = f.toString().replace(/\s+/g, ' ').trim();
  const arrow = /^(?:async\s*)?(?:\([^)]*\)|[\w$]+)\s*=>\s*/.exec(s);
  let body = arrow ? s.slice(arrow[0].length) : s;
  if (body.startsWith('(') && body.endsWith(')')) body = body.slice(1, -1);
  return body;
};

const clip = (s: string, n: number): string => (s.length <= n ? s : s.slice(0, n - 1) + '…');

export const guardText = (g: unknown): string | null => {
  if (g === undefined || g === null) return null;
  if (typeof g === 'string') return g;
  if (typeof g === 'function') {
    const combined = g as unknown as { check?: Function; guards?: unknown[] };
    if (combined.check && Array.isArray(combined.guards)) {
      const parts = combined.guards.map((x) => guardText(x) ?? 'true');
      const kind = combined.check.name;
      if (/not/i.test(kind)) return `!(${parts.join(', ')})`;
      return parts.map((p) => (/[&|]/.test(p) ? `(${p})` : p)).join(/or/i.test(kind) ? ' || ' : ' && ');
    }
    return `ƒ ${clip(sourceBody(g), 72)}`;
  }
  if (typeof g === 'object' && 'type' in (g as object)) {
    const { type, params } = g as { type: unknown; params?: unknown };
    return params === undefined ? String(type) : `${String(type)}(${typeof params === 'function' ? `ƒ ${clip(sourceBody(params), 40)}` : JSON.stringify(params)})`;
  }
  return String(g);
};

/** An emitted fact: its type, constant fields with their values, computed fields by name. */
const emitText = (ev: unknown): string => {
  if (typeof ev === 'function') {
    const body = sourceBody(ev);
    const type = /type\s*:\s*["'`]([\w.-]+)["'`]/.exec(body)?.[1] ?? 'computed';
    const keys = [...body.matchAll(/[{,]\s*([A-Za-z_$][\w$]*)\s*:/g)].map((m) => m[1]).filter((k) => k !== 'type');
    return keys.length ? `${type}{${keys.join(', ')}}` : type;
  }
  if (ev && typeof ev === 'object') {
    const { type, ...rest } = ev as Record<string, unknown>;
    const fields = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' && /^[\w.-]+$/.test(v) ? v : JSON.stringify(v)}`);
    return [String(type), ...fields].join(' ');
  }
  return String(ev);
};

/**
 * The effects of a list of actions: emitted facts, assignments, and the rest by name. A named
 * action (a string, or { type, params }) is looked up among the machine's implementations,
 * so an emit() registered in setup({ actions }) shows what it emits.
 */
const actionTexts = (actions: readonly unknown[], named: Readonly<Record<string, unknown>>): MachineEffects => {
  const emits: string[] = [];
  const other: string[] = [];
  const add = (a: unknown, name?: string): void => {
    const x = a as { type?: string; event?: unknown; assignment?: unknown; name?: string; collect?: unknown; params?: unknown };
    if (typeof a === 'string' || (a && typeof a === 'object' && typeof x.type === 'string' && !x.type.startsWith('xstate.'))) {
      const key = typeof a === 'string' ? a : x.type!;
      const params = typeof a === 'string' || x.params === undefined ? '' : `(${typeof x.params === 'function' ? 'ƒ' : JSON.stringify(x.params)})`;
      if (key in named && named[key] !== a) add(named[key], `${key}${params}`);
      else other.push(`${key}${params}`);
      return;
    }
    if (!a || (typeof a !== 'function' && typeof a !== 'object')) return;
    const by = name ? ` (${name})` : '';
    if (x.type === 'xstate.emit') emits.push(emitText(x.event) + by);
    else if (x.type === 'xstate.assign') other.push(`assign ${typeof x.assignment === 'object' && x.assignment ? Object.keys(x.assignment).join(', ') : '(computed)'}${by}`);
    else if (x.type === 'xstate.enqueueActions' && typeof x.collect === 'function') other.push(`enqueue ƒ ${clip(sourceBody(x.collect), 90)}${by}`);
    else if (typeof x.type === 'string') other.push(x.type.replace(/^xstate\./, '') + by);
    else other.push(name ?? (x.name || 'action'));
  };
  for (const a of actions) add(a);
  return { emits, actions: other };
};

export const machineGraph = (machine: AnyStateMachine): MachineGraph => {
  const root = (machine as unknown as { root: XNode }).root;
  const implementations = (machine as unknown as { implementations?: { guards?: Record<string, unknown>; actions?: Record<string, unknown> } }).implementations ?? {};
  const namedActions = implementations.actions ?? {};
  const states: MachineState[] = [];
  const initialOf = (n: XNode): Set<XNode> => new Set(n.initial?.target ?? []);
  const walk = (node: XNode, initial: boolean): void => {
    const branches: MachineTransition[] = [];
    const add = (t: XTransition): void => {
      const { emits, actions } = actionTexts(t.actions, namedActions);
      branches.push({ event: t.eventType, guard: guardText(t.guard), targets: t.target && t.target.length ? t.target.map((x) => x.path.join('.')) : null, emits, actions });
    };
    for (const list of node.transitions.values()) list.forEach(add);
    (node.always ?? []).forEach(add);
    if (node.path.length)
      states.push({ path: node.path.join('.'), type: node.type, initial, entry: actionTexts(node.entry, namedActions), exit: actionTexts(node.exit, namedActions), transitions: branches });
    const firsts = initialOf(node);
    for (const child of Object.values(node.states)) walk(child, node.type === 'parallel' || firsts.has(child));
  };
  walk(root, true);
  return {
    id: machine.id,
    states,
    guards: Object.entries(implementations.guards ?? {}).map(([name, f]) => ({ name, source: typeof f === 'function' ? clip(sourceBody(f), 110) : String(f) })),
  };
};

// ---- drawing -----------------------------------------------------------------------------------

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ESC[c]);
const CHAR = 6.6;
const LINE = 15;
const PAD = 10;
const GAP = 70;

const STYLE = `
  svg { --fg: #1d2330; --muted: #5b6475; --bg: #ffffff; --card: #f4f6f9; --stroke: #4a72b0; --emit: #1c6b35; --guard: #8a4b00; --arc: #6f4bb0; }
  @media (prefers-color-scheme: dark) { svg { --fg: #e4e8ef; --muted: #9aa4b5; --bg: #15181e; --card: #1e232b; --stroke: #7fa5e0; --emit: #5fd37d; --guard: #f2b53a; --arc: #b59be6; } }
  .bg { fill: var(--bg); }
  text { fill: var(--fg); font: 11px ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace; }
  text.title { font: 600 15px system-ui, sans-serif; }
  text.state { font: 600 13px system-ui, sans-serif; }
  text.muted { fill: var(--muted); }
  tspan.event { font-weight: 700; }
  tspan.guard { fill: var(--guard); }
  tspan.emit { fill: var(--emit); }
  tspan.target { fill: var(--arc); font-weight: 700; }
  rect.card { fill: var(--card); stroke: var(--stroke); stroke-width: 1.5; }
  rect.final { fill: none; stroke: var(--stroke); stroke-width: 1; }
  line.sep { stroke: var(--stroke); stroke-opacity: .35; }
  .arc { fill: none; stroke: var(--arc); stroke-width: 1.5; }
  .arrowhead { fill: var(--arc); }
  circle.initial { fill: var(--fg); }
`;

interface Row {
  readonly first: string;
  readonly guard: string;
  readonly target: string;
  /** one line per effect: what it emits, then what it assigns or runs */
  readonly then: readonly string[];
}

const effects = (e: MachineEffects): string[] => [...e.emits.map((x) => `emit ${x}`), ...e.actions];
const rowsOf = (s: MachineState): Row[] => [
  ...(s.entry.emits.length + s.entry.actions.length ? [{ first: 'entry', guard: '', target: '', then: effects(s.entry) }] : []),
  ...s.transitions.map((t) => ({
    first: t.event || '(always)',
    guard: t.guard ? ` [${t.guard}]` : '',
    target: t.targets ? ` → ${t.targets.join(', ')}` : '',
    then: effects(t),
  })),
  ...(s.exit.emits.length + s.exit.actions.length ? [{ first: 'exit', guard: '', target: '', then: effects(s.exit) }] : []),
];

/** One card per state, left to right; each branch a line (event [guard] → target) and its effects under it; arcs above the cards join a state to the states its transitions enter. */
export const machineSvg = (g: MachineGraph, title = `machine ${g.id}`): string => {
  const cards = g.states.map((s) => {
    const rows = rowsOf(s);
    const chars = Math.max(s.path.length + 12, ...rows.map((r) => Math.max((r.first + r.guard + r.target).length, ...r.then.map((x) => x.length + 4))));
    const height = 34 + rows.reduce((h, r) => h + LINE * (1 + r.then.length) + 4, 0) + (rows.length ? 0 : LINE);
    return { s, rows, width: Math.ceil(chars * CHAR + 2 * PAD), height };
  });
  // arcs: one per (from, to) pair of different states, labelled with the events
  const index = new Map(g.states.map((s, i) => [s.path, i]));
  const arcs = new Map<string, { from: number; to: number; events: Set<string> }>();
  g.states.forEach((s, from) =>
    s.transitions.forEach((t) =>
      (t.targets ?? []).forEach((path) => {
        const to = index.get(path);
        if (to === undefined || to === from) return;
        const key = `${from}>${to}`;
        const a = arcs.get(key) ?? { from, to, events: new Set<string>() };
        a.events.add(t.event || '(always)');
        arcs.set(key, a);
      }),
    ),
  );
  const arcList = [...arcs.values()].sort((a, b) => Math.abs(a.to - a.from) - Math.abs(b.to - b.from));
  const arcRoom = arcList.length ? 34 + arcList.length * 22 : 10;
  const top = 40 + arcRoom;
  let x = 30;
  const placed = cards.map((c) => {
    const p = { ...c, x, y: top };
    x += c.width + GAP;
    return p;
  });
  const out: string[] = [];
  out.push(`<text class="title" x="12" y="22">${esc(title)}</text>`);
  arcList.forEach((a, i) => {
    const from = placed[a.from];
    const to = placed[a.to];
    // leave from the source card's top, right of centre; arrive at the target's top, left of centre
    const x1 = from.x + from.width / 2 + 12 * Math.sign(a.to - a.from);
    const x2 = to.x + to.width / 2 - 12 * Math.sign(a.to - a.from);
    const apex = top - 22 - i * 22;
    const label = [...a.events].join(', ');
    out.push(`<g><title>${esc(`${g.states[a.from].path} → ${g.states[a.to].path} on ${label}`)}</title>`);
    out.push(`<path class="arc" d="M${x1},${top} C${x1},${apex} ${x2},${apex} ${x2},${top - 7}"></path>`);
    out.push(`<path class="arrowhead" d="M${x2 - 5},${top - 8} L${x2 + 5},${top - 8} L${x2},${top}"></path>`);
    out.push(`<text x="${(x1 + x2) / 2 - (label.length * CHAR) / 2}" y="${apex + 4}">${esc(label)}</text></g>`);
  });
  for (const c of placed) {
    const s = c.s;
    out.push(`<g><title>${esc(`state ${s.path}${s.initial ? ' (initial)' : ''}${s.type === 'final' ? ' (final)' : ''}: ${c.rows.length} transition branches`)}</title>`);
    out.push(`<rect class="card" x="${c.x}" y="${c.y}" width="${c.width}" height="${c.height}" rx="8"></rect>`);
    if (s.type === 'final') out.push(`<rect class="final" x="${c.x + 3}" y="${c.y + 3}" width="${c.width - 6}" height="${c.height - 6}" rx="6"></rect>`);
    if (s.initial) out.push(`<circle class="initial" cx="${c.x - 18}" cy="${c.y + 18}" r="5"></circle><path class="arc" d="M${c.x - 13},${c.y + 18} L${c.x - 2},${c.y + 18}"></path>`);
    out.push(`<text class="state" x="${c.x + PAD}" y="${c.y + 20}">${esc(s.path)}</text>`);
    out.push(`<text class="muted" x="${c.x + c.width - PAD}" y="${c.y + 20}" text-anchor="end">${esc([s.initial ? 'initial' : '', s.type === 'final' ? 'final' : ''].filter(Boolean).join(', '))}</text>`);
    out.push(`<line class="sep" x1="${c.x}" y1="${c.y + 28}" x2="${c.x + c.width}" y2="${c.y + 28}"></line>`);
    let y = c.y + 28 + LINE;
    if (!c.rows.length) out.push(`<text class="muted" x="${c.x + PAD}" y="${y}">no transitions</text>`);
    for (const r of c.rows) {
      out.push(
        `<text x="${c.x + PAD}" y="${y}"><tspan class="event">${esc(r.first)}</tspan><tspan class="guard">${esc(r.guard)}</tspan><tspan class="target">${esc(r.target)}</tspan></text>`,
      );
      y += LINE;
      for (const effect of r.then) {
        out.push(`<text x="${c.x + PAD + 4 * CHAR}" y="${y}"><tspan class="emit">${esc(effect)}</tspan></text>`);
        y += LINE;
      }
      y += 4;
    }
    out.push('</g>');
  }
  let y = top + Math.max(...placed.map((c) => c.height)) + 28;
  const width = Math.max(x - GAP + 30, ...g.guards.map((q) => Math.ceil((q.name.length + q.source.length + 6) * CHAR + 40)));
  if (g.guards.length) {
    out.push(`<text class="state" x="12" y="${y}">guards</text>`);
    y += LINE + 4;
    for (const q of g.guards) {
      out.push(`<text x="20" y="${y}"><tspan class="guard">${esc(q.name)}</tspan>: ${esc(q.source)}</text>`);
      y += LINE;
    }
  }
  y += 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title><style>${STYLE}</style><rect class="bg" x="0" y="0" width="${width}" height="${y}"></rect>${out.join('')}</svg>\n`;
};
