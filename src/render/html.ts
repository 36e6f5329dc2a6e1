/**
 * The trace page: one self-contained HTML file (the style, the script and the data inline; a
 * Content-Security-Policy that forbids every fetch), which opens from disk. The script and
 * the style are src/render/page/app.js and style.css, read from the project when a page is
 * written; the data is one or more traces (trace.ts) and what the command adds: the first
 * divergence of a diff, the kernel's record beside the model for conform.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../util/root.ts';
import type { TraceData } from './trace.ts';

export interface PageData {
  /** the page's heading, e.g. 'pfnmap check zoo-E, legacy@v6.1' */
  readonly title: string;
  readonly subtitle?: string;
  /** one trace, or two side by side (diff); stepped together, step k of each at once */
  readonly panes: readonly TraceData[];
  /** diff and conform: the first step where the two sides part, with what each side shows */
  readonly divergence?: { readonly step: number; readonly title: string; readonly lines: readonly (readonly string[])[] };
  /** conform: what the kernel recorded at each step, shown beside the model */
  readonly record?: { readonly label: string; readonly steps: readonly (readonly string[])[] };
}

let assets: { css: string; js: string } | null = null;
const pageAssets = (): { css: string; js: string } => {
  if (!assets) {
    const dir = join(projectRoot(), 'src', 'render', 'page');
    assets = { css: readFileSync(join(dir, 'style.css'), 'utf8'), js: readFileSync(join(dir, 'app.js'), 'utf8') };
  }
  return assets;
};

const escapeHtml = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** JSON inside a <script> element: '<' escaped so no '</script>' can end it early. */
const scriptJson = (x: unknown): string => JSON.stringify(x).replace(/</g, '\\u003c');

export const pageHtml = (data: PageData): string => {
  const { css, js } = pageAssets();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="generator" content="pfnmap render">
<title>${escapeHtml(data.title)}</title>
<style>
${css}</style>
</head>
<body>
<header class="top">
<h1>${escapeHtml(data.title)}</h1>
${data.subtitle ? `<p class="sub">${escapeHtml(data.subtitle)}</p>\n` : ''}<ul class="marks" id="marks" aria-label="marked steps"></ul>
</header>
<nav class="controls" aria-label="position in the trace">
<button type="button" id="first" aria-label="first step (Home)" title="first step (Home)">|◀</button>
<button type="button" id="prev" aria-label="previous step (left arrow)" title="previous step (←)">◀</button>
<button type="button" id="prevEvent" aria-label="previous event (up arrow)" title="previous event (↑)">▲</button>
<div class="slider"><input id="slider" type="range" min="0" max="0" step="1" value="0" aria-label="step"><div class="ticks" id="ticks" aria-hidden="true"></div></div>
<button type="button" id="nextEvent" aria-label="next event (down arrow)" title="next event (↓)">▼</button>
<button type="button" id="next" aria-label="next step (right arrow)" title="next step (→)">▶</button>
<button type="button" id="last" aria-label="last step (End)" title="last step (End)">▶|</button>
<span class="where" id="where"></span>
<span class="keys">← → step · ↑ ↓ event · Home End · PgUp PgDn 10 steps</span>
</nav>
<p id="live" class="sr-only" aria-live="polite"></p>
<main id="main"></main>
<noscript><p>This page draws the trace with a script; without it, read the trace with pfnmap replay.</p></noscript>
<script type="application/json" id="pfnmap-data">${scriptJson(data)}</script>
<script>
${js}</script>
</body>
</html>
`;
};
