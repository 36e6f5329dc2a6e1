/*
 * The trace page's script (src/render/html.ts inlines it with the data). It reads the
 * embedded JSON (src/render/trace.ts: parts, rows as changes, event texts, violations),
 * rebuilds the state rows once, and draws only the current position: the step's command and
 * kernel calls, the state as text and as a picture, each change since the position before
 * marked new, changed or freed. No network, no library: plain DOM and SVG strings.
 *
 * A position is a step (0: the initial state; k: after the k-th command) and, optionally, an
 * event inside it (j: after the step's j-th event). The URL hash keeps it: #step=k[&event=j].
 */
'use strict';
(() => {
  const DATA = JSON.parse(document.getElementById('pfnmap-data').textContent);
  const $ = (id) => document.getElementById(id);
  const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ESC[c]);
  const CHAR = 6.7; // width of one 11px monospace character, for cutting labels to their box
  const cut = (s, px) => {
    const n = Math.max(1, Math.floor(px / CHAR));
    return s.length <= n ? s : s.slice(0, Math.max(1, n - 1)) + '…';
  };
  const CLASS = { c: 'command', C: 'failed-command', f: 'fact', e: 'error' };

  // ---- the data: rows rebuilt from their changes ---------------------------------------------
  const panes = DATA.panes.map((pane, index) => {
    const slots = pane.initial.length;
    const rows = new Int32Array((pane.applied + 1) * slots);
    rows.set(pane.initial, 0);
    let at = 0;
    for (let i = 1; i <= pane.applied; i++) {
      rows.copyWithin(i * slots, (i - 1) * slots, i * slots);
      for (let n = pane.changes[at++]; n > 0; n--) {
        const k = pane.changes[at++];
        rows[i * slots + k] = pane.changes[at++];
      }
    }
    return { ...pane, index, slots, rows, steps: pane.stepStart.length, P: pane.geometry.procs };
  });
  const record = DATA.record || null;
  const STEPS = Math.max(0, ...panes.map((p) => p.steps), record ? record.steps.length : 0);

  /** events [start, end) of step k (1-based) in a pane; empty past the pane's last step */
  const stepRange = (pane, k) => {
    if (k < 1 || k > pane.steps) return { start: pane.events.length, end: pane.events.length };
    return { start: pane.stepStart[k - 1], end: k < pane.steps ? pane.stepStart[k] : pane.events.length };
  };
  const stepLength = (k) => Math.max(0, ...panes.map((p) => { const r = stepRange(p, k); return r.end - r.start; }));
  /** the last event applied at a position (-1: none) */
  const eventAt = (pane, pos) => {
    if (pos.step === 0) return -1;
    if (pos.step > pane.steps) return pane.events.length - 1;
    const r = stepRange(pane, pos.step);
    const j = pos.event === null ? r.end - r.start : Math.min(pos.event, r.end - r.start);
    return r.start + j - 1;
  };
  /** the position before, for marking changes: the step before (at a step's end) or the event before */
  const eventBefore = (pane, pos) => {
    if (pos.step === 0) return null;
    if (pos.event === null || pos.event >= stepLength(pos.step)) return stepRange(pane, pos.step).start - 1;
    return eventAt(pane, pos) - 1;
  };
  const stateAt = (pane, e) => {
    const r = Math.min(e + 1, pane.applied);
    const row = pane.rows.subarray(r * pane.slots, (r + 1) * pane.slots);
    const P = pane.P;
    const parts = pane.parts;
    return {
      procs: Array.from({ length: P }, (_, p) => parts.procs[row[p]]),
      ctxs: parts.ctxs[row[P]],
      kernel: parts.kernel[row[P + 1]],
      tree: parts.tree[row[P + 2]],
      header: parts.header[row[P + 3]],
    };
  };

  // ---- what changed: items keyed by identity, text compared ----------------------------------
  const entryKey = (t) => `${t.s}:${t.e}:${t.mode}:${t.owner}`;
  /** keys of tree entries; equal entries (a legacy double reservation) get #2, #3 */
  const treeKeys = (tree) => {
    const seen = new Map();
    return tree.map((t) => {
      const k = entryKey(t);
      const n = (seen.get(k) || 0) + 1;
      seen.set(k, n);
      return n > 1 ? `${k}#${n}` : k;
    });
  };
  const itemsOf = (st) => {
    const out = [];
    st.procs.forEach((p, slot) => {
      if (!p) return;
      out.push({ key: `as:${slot}`, text: `pid ${p.pid}: ${p.vmas.length ? `${p.vmas.length} VMA${p.vmas.length > 1 ? 's' : ''}` : 'no VMAs'}`, kind: 'as' });
      for (const v of p.vmas) out.push({ key: `vma:${p.pid}:${v.s}:${v.e}`, text: v.text, kind: 'vma' });
    });
    for (const c of st.ctxs) out.push({ key: `ctx:${c.id}`, text: c.text, kind: 'ctx' });
    for (const k of st.kernel) out.push({ key: `k:${k.handle}`, text: k.text, kind: 'kernel' });
    const keys = treeKeys(st.tree);
    st.tree.forEach((t, i) => out.push({ key: `t:${keys[i]}`, text: t.text, kind: 'entry' }));
    if (!st.tree.length) out.push({ key: 'tree-empty', text: 'memtype tree: empty', kind: 'entry' });
    for (const w of st.header.warn) out.push({ key: `warn:${w}`, text: `WARNING: ${w}`, kind: 'warn' });
    if (st.header.invalid) out.push({ key: `inv:${st.header.invalid.range}`, text: `x86/PAT: freeing invalid memtype ${st.header.invalid.range} (the last failed free)`, kind: 'invalid' });
    for (const b of st.header.bound) out.push({ key: `bound:${b}`, text: `bound: ${b}`, kind: 'bound' });
    return out;
  };
  /** current items marked new / changed, and the items gone since `before` (freed) */
  const compare = (cur, before) => {
    const items = itemsOf(cur);
    if (!before) return { items: items.map((x) => ({ ...x, mark: '' })), freed: [] };
    const old = new Map(itemsOf(before).map((x) => [x.key, x]));
    const now = new Set(items.map((x) => x.key));
    return {
      items: items.map((x) => ({ ...x, mark: !old.has(x.key) ? 'new' : old.get(x.key).text !== x.text ? 'changed' : '' })),
      // (an empty tree's line is not a thing that can be freed)
      freed: [...old.values()].filter((x) => !now.has(x.key) && x.key !== 'tree-empty').map((x) => ({ ...x, mark: 'freed' })),
    };
  };
  const markOf = (marks, key) => marks.get(key) || '';

  // ---- the picture -------------------------------------------------------------------------
  const LEFT = 74;
  const clamp = (x, lo, hi) => Math.max(lo, Math.min(hi, x));
  const ownerHue = (o) => (o * 67 + 200) % 360;
  const badge = (x, y, w, o, text, full) =>
    `<g><title>${esc(full)}</title><rect class="badge" x="${x}" y="${y - 11}" width="${w}" height="15" rx="3" style="fill:hsl(${ownerHue(o)} 65% var(--badge-l, 78%))"></rect><text x="${x + 4}" y="${y}">${esc(cut(text, w - 6))}</text></g>`;
  /** rows for intervals [s, e): greedy, first row where it fits */
  const stack = (items) => {
    const ends = [];
    return items.map((it) => {
      let r = ends.findIndex((end) => end <= it.s);
      if (r < 0) r = ends.length;
      ends[r] = it.e;
      return r;
    });
  };

  const picture = (pane, cur, before, marks, caption) => {
    const g = pane.geometry;
    const cw = clamp(Math.floor(720 / g.vpages), 100, 240);
    const pw = clamp(Math.floor(720 / g.pfns), 100, 240);
    const width = LEFT + Math.max(g.vpages * cw, g.pfns * pw) + 12;
    const vx = (v) => LEFT + v * cw;
    const fx = (f) => LEFT + f * pw;
    const out = [];
    let y = 8;
    const lane = (text, yy) => out.push(`<text class="lane" x="6" y="${yy}">${esc(text)}</text>`);
    // virtual pages axis
    out.push(`<text class="axis" x="6" y="${y + 10}">virtual</text>`);
    for (let v = 0; v < g.vpages; v++) out.push(`<text class="axis" x="${vx(v) + 3}" y="${y + 10}">${esc(g.pages[v])}</text>`);
    y += 16;
    const anchors = []; // VMA box bottoms, to link to what they hold
    for (let p = 0; p < pane.P; p++) {
      const proc = cur.procs[p];
      const old = before ? before.procs[p] : null;
      if (!proc && !old) continue;
      const top = y;
      const gone = !proc;
      lane(`pid ${(proc || old).pid}`, top + 40);
      if (gone) out.push(`<text class="small" x="6" y="${top + 56}" style="fill:var(--freed)">exited</text>`);
      for (let v = 0; v < g.vpages; v++) out.push(`<rect class="cell" x="${vx(v)}" y="${top}" width="${cw}" height="86"></rect>`);
      const vmas = proc ? proc.vmas.map((m) => ({ m, mark: markOf(marks, `vma:${proc.pid}:${m.s}:${m.e}`) })) : [];
      const nowKeys = new Set(vmas.map((x) => `${x.m.s}:${x.m.e}`));
      const freed = old ? old.vmas.filter((m) => !nowKeys.has(`${m.s}:${m.e}`)).map((m) => ({ m, mark: 'freed' })) : [];
      for (const { m, mark } of [...freed, ...vmas]) {
        const x = vx(m.s) + 3;
        const w = (m.e - m.s) * cw - 6;
        const pid = (proc || old).pid;
        out.push(`<g class="vma ${mark}" data-pid="${pid}" data-range="${esc(m.range)}" data-track="${esc(m.track)}"><title>${esc(m.text)}${mark ? ` (${mark})` : ''}</title>`);
        out.push(`<rect class="box" x="${x}" y="${top + 3}" width="${w}" height="62" rx="4"></rect>`);
        const range = m.range.length * CHAR <= w - 8 ? m.range : m.range.split('-')[0] + '-';
        out.push(`<text x="${x + 5}" y="${top + 17}">${esc(cut(range, w - 8))}</text>`);
        out.push(`<text class="small" x="${x + 5}" y="${top + 31}">${esc(cut(`pgoff ${g.frames[m.pgoff] || m.pgoff} ${m.flags.join(' ')}`, w - 8))}</text>`);
        if (m.track) out.push(badge(x + 5, top + 48, Math.min(w - 10, m.track.length * CHAR + 8), m.owner, m.track, m.track));
        else out.push(`<text class="small" x="${x + 5}" y="${top + 48}" style="fill:var(--muted)">untracked</text>`);
        if (mark !== 'freed') {
          m.ptes.forEach((pte, i) => {
            const px = vx(m.s + i) + 5;
            const mode = pte === 0 ? 'none' : pte === 'anon' ? 'anon' : pte[1];
            const label = pte === 0 ? 'no PTE' : pte === 'anon' ? 'anon COW' : `${g.frames[pte[0]]} ${pte[1]}`;
            out.push(`<g class="pte"><title>PTE ${esc(g.pages[m.s + i])}: ${esc(label)}</title><rect class="m-${mode}" x="${px}" y="${top + 68}" width="${cw - 10}" height="15" rx="2"></rect><text class="small" x="${px + 3}" y="${top + 79}">${esc(cut(label, cw - 14))}</text></g>`);
          });
          if (m.owner) anchors.push({ owner: m.owner, x: x + w / 2, y: top + 65 });
        }
        out.push('</g>');
      }
      y += 92;
    }
    if (!cur.procs.some(Boolean) && !(before && before.procs.some(Boolean))) {
      out.push(`<text class="small" x="${LEFT}" y="${y + 12}">no address space</text>`);
      y += 20;
    }
    y += 6;
    const boxes = (title, cls, now, old, keyOf, draw) => {
      const nowKeys = new Set(now.map(keyOf));
      const all = [...(old || []).filter((x) => !nowKeys.has(keyOf(x))).map((x) => ({ x, mark: 'freed' })), ...now.map((x) => ({ x, mark: markOf(marks, keyOf(x)) }))];
      if (!all.length) return [];
      const rows = stack(all.map((a) => a.x));
      const nrows = Math.max(...rows) + 1;
      lane(title, y + 16);
      const placed = all.map((a, i) => {
        const x = fx(a.x.s) + 3;
        const w = (a.x.e - a.x.s) * pw - 6;
        const top = y + rows[i] * 36;
        out.push(draw(a.x, a.mark, x, top, w));
        return { item: a.x, mark: a.mark, x, y: top, w };
      });
      y += nrows * 36 + 6;
      return placed;
    };
    const ctxBoxes = boxes('ctx', 'ctx', cur.ctxs, before && before.ctxs, (c) => `ctx:${c.id}`, (c, mark, x, top, w) =>
      `<g class="ctx ${mark}" data-ctx="${c.id}" data-kref="${c.kref}"><title>${esc(c.text)}${mark ? ` (${mark})` : ''}</title><rect class="box" x="${x}" y="${top}" width="${w}" height="30" rx="4"></rect>` +
      `<rect class="badge" x="${x + 4}" y="${top + 5}" width="6" height="20" style="fill:hsl(${ownerHue(c.id)} 65% var(--badge-l, 78%))"></rect>` +
      `<text x="${x + 14}" y="${top + 14}">${esc(cut(`ctx ${c.id} · kref ${c.kref}`, w - 18))}</text><text class="small" x="${x + 14}" y="${top + 26}">${esc(cut(`pfn ${g.frames[c.s]} +${c.e - c.s}p`, w - 18))}</text></g>`);
    boxes('kernel', 'kmap', cur.kernel, before && before.kernel, (k) => `k:${k.handle}`, (k, mark, x, top, w) =>
      `<g class="kmap ${mark}" data-handle="${k.handle}"><title>${esc(k.text)}${mark ? ` (${mark})` : ''}</title><rect class="box" x="${x}" y="${top}" width="${w}" height="30" rx="4"></rect>` +
      `<text x="${x + 5}" y="${top + 14}">${esc(cut(`${k.kind} #${k.handle}`, w - 8))}</text><text class="small" x="${x + 5}" y="${top + 26}">${esc(cut(k.mode, w - 8))}</text></g>`);
    // which PTEs map each frame
    const users = Array.from({ length: g.pfns }, () => []);
    cur.procs.forEach((p) => p && p.vmas.forEach((m) => m.ptes.forEach((pte) => { if (pte && pte !== 'anon') users[pte[0]].push(`pid ${p.pid} ${pte[1]}`); })));
    const deepest = Math.max(0, ...users.map((u) => u.length));
    if (deepest) {
      lane('PTEs', y + 14);
      users.forEach((list, f) => list.forEach((text, i) => {
        const mode = text.split(' ').pop();
        out.push(`<g class="frame-user"><title>pfn ${esc(g.frames[f])} mapped by ${esc(text)}</title><rect class="m-${esc(mode)}" x="${fx(f) + 3}" y="${y + i * 18}" width="${pw - 6}" height="15" rx="2"></rect><text class="small" x="${fx(f) + 6}" y="${y + i * 18 + 11}">${esc(cut(text, pw - 10))}</text></g>`);
      }));
      y += deepest * 18 + 8;
    }
    // the memtype tree
    const keysNow = treeKeys(cur.tree);
    const keysBefore = before ? treeKeys(before.tree) : [];
    const nowSet = new Set(keysNow);
    const entries = [
      ...(before ? before.tree.map((t, i) => ({ t, key: keysBefore[i] })).filter((x) => !nowSet.has(x.key)).map((x) => ({ ...x, mark: 'freed' })) : []),
      ...cur.tree.map((t, i) => ({ t, key: keysNow[i], mark: markOf(marks, `t:${keysNow[i]}`) })),
    ];
    lane('memtype', y + 16);
    const treeTop = y;
    const rows = stack(entries.map((x) => x.t));
    const entryBoxes = entries.map((x, i) => {
      const { t, mark } = x;
      const bx = fx(t.s) + 3;
      const w = (t.e - t.s) * pw - 6;
      const top = treeTop + rows[i] * 36;
      out.push(`<g class="entry ${mark}" data-range="${esc(t.range)}" data-mode="${esc(t.mode)}" data-owner="${esc(t.ownerText)}"><title>${esc(t.text)}${mark ? ` (${mark})` : ''}</title>` +
        `<rect class="box m-${esc(t.mode)}" x="${bx}" y="${top}" width="${w}" height="30" rx="3"></rect>` +
        `<text x="${bx + 5}" y="${top + 13}">${esc(cut(`${t.mode} · ${t.ownerText}`, w - 8))}</text><text class="small" x="${bx + 5}" y="${top + 26}">${esc(cut(t.range, w - 8))}</text></g>`);
      return { t, mark, x: bx, y: top, w };
    });
    let treeRows = entries.length ? Math.max(...rows) + 1 : 0;
    if (!entries.length) {
      out.push(`<text class="small" x="${LEFT + 4}" y="${treeTop + 18}" style="fill:var(--muted)">(empty)</text>`);
      treeRows = 1;
    }
    const bad = cur.header.invalid;
    if (bad) {
      const top = treeTop + treeRows * 36;
      const bx = fx(bad.s) + 3;
      const w = (bad.e - bad.s) * pw - 6;
      const mark = markOf(marks, `inv:${bad.range}`);
      out.push(`<g class="invalid ${mark}" data-range="${esc(bad.range)}"><title>x86/PAT: freeing invalid memtype ${esc(bad.range)}</title><rect class="box" x="${bx}" y="${top}" width="${w}" height="30" rx="3"></rect>` +
        `<text x="${bx + 5}" y="${top + 13}">${esc(cut('freeing invalid memtype', w - 8))}</text><text class="small" x="${bx + 5}" y="${top + 26}">${esc(cut(bad.range, w - 8))}</text></g>`);
      treeRows++;
    }
    y = treeTop + treeRows * 36 + 4;
    // links: a VMA to the ctx it holds (tracked, precise) or to its lineage's entries (legacy)
    const links = [];
    for (const a of anchors) {
      const targets = ctxBoxes.length ? ctxBoxes.filter((b) => b.item.id === a.owner && b.mark !== 'freed') : entryBoxes.filter((b) => b.t.owner === a.owner && b.mark !== 'freed');
      for (const b of targets) {
        const tx = b.x + b.w / 2;
        const mid = (a.y + b.y) / 2;
        links.push(`<path class="link" d="M${a.x},${a.y} C${a.x},${mid} ${tx},${mid} ${tx},${b.y}"><title>holds ${ctxBoxes.length ? `ctx ${a.owner}` : `lineage ${a.owner}`}</title></path>`);
      }
    }
    // physical frames axis
    out.push(`<text class="axis" x="6" y="${y + 10}">pfn</text>`);
    for (let f = 0; f < g.pfns; f++) out.push(`<text class="axis" x="${fx(f) + 3}" y="${y + 10}">${esc(g.frames[f])}</text>`);
    y += 16;
    // as wide as its column, from 0.7 to 1.4 times its drawn size
    return `<svg role="img" aria-label="${esc(caption)}" style="width:min(100%, ${Math.round(width * 1.4)}px);min-width:${Math.round(width * 0.7)}px;height:auto" viewBox="0 0 ${width} ${y}" xmlns="http://www.w3.org/2000/svg"><title>${esc(caption)}</title>${links.join('')}${out.join('')}</svg>`;
  };

  // ---- the page ----------------------------------------------------------------------------
  const mainEl = $('main');
  mainEl.className = record ? 'conform' : panes.length > 1 ? 'two' : 'one';
  const paneEls = panes.map((pane) => {
    const sec = document.createElement('section');
    sec.className = 'pane';
    sec.setAttribute('aria-label', `trace ${pane.label}`);
    sec.dataset.pane = String(pane.index);
    sec.innerHTML =
      `<div class="card info"><h2>${esc(pane.label)}</h2><p class="sub">design ${esc(pane.design)} · config ${esc(pane.config)}</p>` +
      `<p class="verdict${/^(VIOLATION|REJECTED)/.test(pane.verdict) ? ' bad' : ''}">${esc(pane.verdict)}</p></div>` +
      `<div class="card step"></div>` +
      `<div class="pic"></div>` +
      `<div class="card statecard"><h3>State</h3><ul class="state"></ul><div class="legend"><span class="l-new">new</span><span class="l-changed">changed</span><span class="l-freed">freed</span></div></div>`;
    mainEl.appendChild(sec);
    return { step: sec.querySelector('.step'), state: sec.querySelector('ul.state'), pic: sec.querySelector('.pic') };
  });
  let recordEl = null;
  if (record) {
    const sec = document.createElement('section');
    sec.className = 'record';
    sec.setAttribute('aria-label', record.label);
    sec.innerHTML = `<div class="card"><h2>${esc(record.label)}</h2><div class="rec"></div></div>`;
    mainEl.appendChild(sec);
    recordEl = sec.querySelector('.rec');
  }

  // marks: violations, the first divergence, a rejection; the slider's ticks and the jump list
  const marks = [];
  panes.forEach((pane) => {
    for (const v of pane.violations) marks.push({ step: v.step, event: v.event - pane.stepStart[v.step - 1] + 1, cls: v.kind, text: `${panes.length > 1 ? `${pane.label}: ` : ''}step ${v.step}: ${v.kind === 'safety' ? 'VIOLATION of' : 'quality'} ${v.invariant}` });
    if (pane.rejection) marks.push({ step: Math.min(pane.steps, STEPS), event: null, cls: 'rejected', text: `${pane.label}: replay stopped at event ${pane.rejection.event + 1}` });
  });
  if (DATA.divergence) marks.push({ step: DATA.divergence.step, event: null, cls: 'diverge', text: `step ${DATA.divergence.step}: ${DATA.divergence.title}` });
  marks.sort((a, b) => a.step - b.step);
  $('ticks').innerHTML = marks.map((m) => `<span class="tick ${m.cls}" style="left:${STEPS ? (100 * m.step) / STEPS : 0}%" title="${esc(m.text)}"></span>`).join('');
  $('marks').innerHTML = marks.map((m, i) => `<li><button type="button" data-mark="${i}">${esc(m.text)}</button></li>`).join('');
  $('marks').addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-mark]');
    if (b) go({ step: marks[+b.dataset.mark].step, event: marks[+b.dataset.mark].event });
  });

  const slider = $('slider');
  slider.max = String(STEPS);

  let pos = { step: 0, event: null };
  const clampPos = (p) => {
    const step = clamp(p.step | 0, 0, STEPS);
    if (step === 0 || p.event === null || p.event === undefined) return { step, event: null };
    const len = stepLength(step);
    const event = clamp(p.event | 0, 1, Math.max(1, len));
    return { step, event: event >= len ? null : event };
  };
  const parseHash = () => {
    const m = /step=(\d+)(?:&event=(\d+))?/.exec(location.hash);
    return m ? clampPos({ step: +m[1], event: m[2] === undefined ? null : +m[2] }) : null;
  };

  const commandOf = (pane, k) => {
    if (k === 0) return 'the initial state: one empty address space';
    if (k > pane.steps) return '(no such step in this trace)';
    return pane.events[pane.stepStart[k - 1]];
  };

  const drawPane = (pane, el) => {
    const k = pos.step;
    const e = eventAt(pane, pos);
    const b = eventBefore(pane, pos);
    const cur = stateAt(pane, e);
    const before = b === null ? null : stateAt(pane, b);
    const { items, freed } = compare(cur, before);
    const markMap = new Map(items.filter((x) => x.mark).map((x) => [x.key, x.mark]));
    // the step: command, banners, the kernel calls
    const r = stepRange(pane, k);
    const parts = [`<h2>Step ${k}${k > 0 ? ` of ${pane.steps}` : ''}</h2><p class="command">${esc(commandOf(pane, k))}</p>`];
    for (const v of pane.violations.filter((x) => x.step === k))
      parts.push(`<div class="banner ${v.kind}"><strong>${v.kind === 'safety' ? 'VIOLATION of' : 'quality invariant broken:'} ${esc(v.invariant)}</strong>${esc(v.message)}<br><span class="sub">from event ${v.event - r.start + 1} of this step on (log event ${v.event + 1})</span></div>`);
    if (pane.rejection && pane.rejection.event >= r.start && pane.rejection.event < r.end)
      parts.push(`<div class="banner rejected"><strong>replay stopped: event ${pane.rejection.event + 1} (line ${pane.rejection.line}) cannot apply</strong>${esc(pane.rejection.message)}</div>`);
    if (DATA.divergence && DATA.divergence.step === k)
      parts.push(`<div class="banner diverge"><strong>${esc(DATA.divergence.title)}</strong><pre>${esc((DATA.divergence.lines[pane.index] || []).join('\n'))}</pre></div>`);
    if (cur.header.warn.length) parts.push(`<div class="banner warn"><strong>WARN in the kernel log</strong>${cur.header.warn.map(esc).join('<br>')}</div>`);
    if (k > 0 && r.end > r.start) {
      parts.push(`<h3>Kernel calls</h3><ol class="events" start="1">`);
      for (let i = r.start; i < r.end; i++) {
        const cls = [CLASS[pane.classes[i]]];
        if (i === e && pos.event !== null) cls.push('current');
        if (i > e) cls.push('later');
        if (i >= pane.applied) cls.push('not-applied');
        const brk = pane.violations.filter((v) => v.event === i).map((v) => `<span class="brk ${v.kind}">${esc(v.invariant)} breaks</span>`).join('');
        parts.push(`<li class="${cls.join(' ')}" data-event="${i - r.start + 1}"${cls.includes('current') ? ' aria-current="step"' : ''}>${esc(pane.events[i].trim())}${brk}</li>`);
      }
      parts.push('</ol>');
    }
    el.step.innerHTML = parts.join('');
    el.state.innerHTML = [...items, ...freed].map((x) => `<li class="${x.mark}" data-kind="${x.kind}">${esc(x.text)}</li>`).join('');
    const nV = cur.procs.reduce((n, p) => n + (p ? p.vmas.length : 0), 0);
    const caption = `${pane.label}, step ${k}${pos.event !== null ? ` event ${pos.event}` : ''}: ${nV} VMA${nV === 1 ? '' : 's'}, ${cur.ctxs.length} ctx, ${cur.tree.length} memtype entr${cur.tree.length === 1 ? 'y' : 'ies'}${cur.header.invalid ? ', a failed free' : ''}`;
    el.pic.innerHTML = picture(pane, cur, before, markMap, caption);
  };

  /** Draw the current position; each draw is timed as a 'pfnmap-draw' performance measure. */
  const draw = () => {
    const started = performance.now();
    slider.value = String(pos.step);
    const len = stepLength(pos.step);
    const where = `Step ${pos.step} of ${STEPS}${pos.step > 0 ? ` · event ${pos.event === null ? len : pos.event} of ${len}` : ''}`;
    $('where').textContent = where;
    slider.setAttribute('aria-valuetext', where);
    $('first').disabled = $('prev').disabled = pos.step === 0;
    $('last').disabled = $('next').disabled = pos.step === STEPS && pos.event === null;
    $('prevEvent').disabled = pos.step === 0;
    $('nextEvent').disabled = pos.step === STEPS && pos.event === null;
    panes.forEach((pane, i) => drawPane(pane, paneEls[i]));
    if (recordEl) {
      const lines = pos.step === 0 ? ['(before the first call)'] : record.steps[pos.step - 1] || ['(no record for this step)'];
      recordEl.innerHTML = `<h3>step ${pos.step}</h3><pre>${esc(lines.join('\n'))}</pre>`;
    }
    // what a screen reader announces: the position, the command, what breaks here
    const here = panes.flatMap((p) => p.violations.filter((v) => v.step === pos.step).map((v) => `${v.kind === 'safety' ? 'violation of' : 'quality invariant'} ${v.invariant}`));
    if (DATA.divergence && DATA.divergence.step === pos.step) here.push(DATA.divergence.title);
    $('live').textContent = `${where}: ${commandOf(panes[0], pos.step)}${here.length ? `. ${here.join('; ')}` : ''}`;
    document.body.dataset.step = String(pos.step);
    document.body.dataset.event = pos.event === null ? '' : String(pos.event);
    document.body.dataset.ready = '1';
    performance.measure('pfnmap-draw', { start: started });
  };

  let pending = false;
  const go = (p) => {
    pos = clampPos(p);
    const hash = `#step=${pos.step}${pos.event !== null ? `&event=${pos.event}` : ''}`;
    if (location.hash !== hash) history.replaceState(null, '', hash);
    if (!pending) {
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        draw();
      });
    }
  };
  const nextEvent = () => {
    const len = stepLength(pos.step);
    const j = pos.event === null ? len : pos.event;
    if (pos.step > 0 && j < len) go({ step: pos.step, event: j + 1 });
    else if (pos.step < STEPS) go({ step: pos.step + 1, event: stepLength(pos.step + 1) > 1 ? 1 : null });
  };
  const prevEvent = () => {
    if (pos.step === 0) return;
    const j = pos.event === null ? stepLength(pos.step) : pos.event;
    if (j > 1) go({ step: pos.step, event: j - 1 });
    else go({ step: pos.step - 1, event: null });
  };
  $('first').addEventListener('click', () => go({ step: 0, event: null }));
  $('prev').addEventListener('click', () => go({ step: pos.step - 1, event: null }));
  $('next').addEventListener('click', () => go({ step: pos.step + 1, event: null }));
  $('last').addEventListener('click', () => go({ step: STEPS, event: null }));
  $('prevEvent').addEventListener('click', prevEvent);
  $('nextEvent').addEventListener('click', nextEvent);
  slider.addEventListener('input', () => go({ step: +slider.value, event: null }));
  mainEl.addEventListener('click', (ev) => {
    const li = ev.target.closest('li[data-event]');
    if (li) go({ step: pos.step, event: +li.dataset.event });
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const keys = {
      ArrowLeft: () => go({ step: pos.step - 1, event: null }),
      ArrowRight: () => go({ step: pos.step + 1, event: null }),
      ArrowUp: prevEvent,
      ArrowDown: nextEvent,
      PageUp: () => go({ step: pos.step - 10, event: null }),
      PageDown: () => go({ step: pos.step + 10, event: null }),
      Home: () => go({ step: 0, event: null }),
      End: () => go({ step: STEPS, event: null }),
    };
    const f = keys[ev.key];
    if (!f || (ev.target instanceof HTMLElement && ev.target.tagName === 'BUTTON' && (ev.key === 'Enter' || ev.key === ' '))) return;
    ev.preventDefault();
    f();
  });
  window.addEventListener('hashchange', () => {
    const p = parseHash();
    if (p && (p.step !== pos.step || p.event !== pos.event)) go(p);
  });
  pos = parseHash() || pos;
  go(pos);
})();
