/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The trace page in a real browser: Debian's chromium or firefox-esr, driven by puppeteer-core
 * (Chromium over CDP, Firefox over WebDriver BiDi; no browser is downloaded). One browser
 * launch per test file. A missing browser skips the suite with a message saying so, except
 * under CI, where it fails: .ci/run installs both.
 *
 * The pages are made by the CLI as a user would make them: the zoo-E counterexample with the
 * command of issue 16's "Done when" (./bin/pfnmap.js check ... --html), a diff, a conform
 * run, and a 10,000-step log. Screenshots go to test-artifacts/<browser>/ (git-ignored) and
 * are checked for size and non-blank content, not compared pixel by pixel.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, type Io } from '../../src/cli/main.ts';
import { checkOutputPath } from '../../src/cli/output.ts';
import { linesOfFile } from '../../src/util/input.ts';
import type { Command } from '../../src/events/commands.ts';
import { encodeLog } from '../../src/events/logFormat.ts';
import { runCommands } from '../../src/scenarios/run.ts';
import { SCENARIO_UNIVERSE, scenarioNamed } from '../../src/scenarios/selftest.ts';
import { parseDesign, type Design } from '../../src/state/design.ts';

const ROOT = process.cwd();

export interface BrowserKind {
  readonly name: 'chromium' | 'firefox';
  readonly binary: string;
}

export const CHROMIUM: BrowserKind = { name: 'chromium', binary: '/usr/bin/chromium' };
export const FIREFOX: BrowserKind = { name: 'firefox', binary: '/usr/bin/firefox-esr' };

/** Files on disk, output kept for the test to read. */
const diskIo = (): Io & { lines: string[] } => {
  const lines: string[] = [];
  return {
    lines,
    out: (s) => void lines.push(s),
    err: (s) => void lines.push(s),
    readLines: (p) => linesOfFile(p),
    writeFile: (p, t) => writeFileSync(p, t),
    checkOutput: (p) => checkOutputPath(p),
    isTTY: false,
  };
};

const launch = async (kind: BrowserKind, profile: string): Promise<Browser> =>
  kind.name === 'chromium'
    ? puppeteer.launch({
        browser: 'chrome',
        executablePath: kind.binary,
        headless: true,
        userDataDir: profile,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`],
      })
    : puppeteer.launch({ browser: 'firefox', executablePath: kind.binary, headless: true, userDataDir: profile });

/** A page with every console error, page error and request (other than the page's own file) recorded. */
const watch = async (browser: Browser) => {
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${(e as Error).message}`));
  page.on('request', (r) => void requests.push(r.url()));
  return { page, problems, requests };
};

const fileUrl = (path: string): string => `file://${path}`;

/** Open a page (at a hash) and wait until it has drawn. */
const open = async (page: Page, path: string, hash = ''): Promise<void> => {
  await page.goto(fileUrl(path) + hash);
  await page.waitForSelector('body[data-ready="1"]');
};
/** Wait for the page to show a position. */
const showing = async (page: Page, step: number, event: number | null = null): Promise<void> => {
  await page.waitForFunction((s, e) => document.body.dataset.step === s && document.body.dataset.event === e, {}, String(step), event === null ? '' : String(event));
};
const press = async (page: Page, key: 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown' | 'Home' | 'End', step: number, event: number | null = null): Promise<void> => {
  await page.keyboard.press(key);
  await showing(page, step, event);
};

/** The first pane's picture, as data: VMAs, ctxs, memtype entries, the failed free. */
const picture = (page: Page, pane = 0) =>
  page.evaluate((i) => {
    const root = document.querySelectorAll('section.pane')[i];
    const all = (sel: string) => [...root.querySelectorAll(sel)] as Element[];
    return {
      vmas: all('svg g.vma:not(.freed)').map((g) => `${g.getAttribute('data-range')} ${g.getAttribute('data-track')}`),
      freedVmas: all('svg g.vma.freed').map((g) => g.getAttribute('data-range')),
      ctxs: all('svg g.ctx:not(.freed)').map((g) => `ctx ${g.getAttribute('data-ctx')} kref ${g.getAttribute('data-kref')}`),
      entries: all('svg g.entry:not(.freed)').map((g) => `${g.getAttribute('data-range')} ${g.getAttribute('data-mode')} ${g.getAttribute('data-owner')}`),
      invalid: all('svg g.invalid').map((g) => g.getAttribute('data-range')),
      banners: all('.step .banner strong').map((b) => b.textContent),
      current: all('ol.events li.current').map((li) => li.textContent),
      frameUsers: all('svg g.frame-user title').map((t) => t.textContent),
    };
  }, pane);

/** Size and content of a PNG, measured by the browser itself on a blank page. */
const inspectPng = async (browser: Browser, png: Uint8Array) => {
  const page = await browser.newPage();
  try {
    return await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, img.width, img.height).data;
      const bg = (d[0] << 16) | (d[1] << 8) | d[2];
      const colours = new Set<number>();
      let other = 0;
      let n = 0;
      for (let i = 0; i < d.length; i += 4 * 5) {
        const v = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
        colours.add(v);
        if (v !== bg) other++;
        n++;
      }
      return { width: img.width, height: img.height, colours: colours.size, drawn: other / n };
    }, Buffer.from(png).toString('base64'));
  } finally {
    await page.close();
  }
};

/** The selftest munmap_split scenario 2,000 times over on tracked: a 10,000-step log. */
const bigLog = (): string => {
  const design = parseDesign('tracked') as Design;
  const cycle = scenarioNamed('munmap_split')!.commands;
  const commands: Command[] = [];
  for (let i = 0; i < 2000; i++) commands.push(...cycle);
  const r = runCommands(SCENARIO_UNIVERSE, design, commands);
  if (r.error) throw new Error(r.error.message);
  return encodeLog(design, SCENARIO_UNIVERSE, r.events);
};

export const browserSuite = (kind: BrowserKind): void => {
  const present = existsSync(kind.binary);
  if (!present && process.env.CI) throw new Error(`${kind.binary} is missing: .ci/run installs it (apt-get install -y ${kind.name === 'firefox' ? 'firefox-esr' : 'chromium'})`);
  if (!present) console.warn(`SKIPPED: the ${kind.name} browser tests: ${kind.binary} is not installed (apt-get install -y ${kind.name === 'firefox' ? 'firefox-esr' : 'chromium'})`);

  describe.skipIf(!present)(`the trace page in ${kind.name}`, () => {
    let dir = '';
    let browser: Browser;
    const artifacts = join(ROOT, 'test-artifacts', kind.name);
    const pages = { e: '', d: '', c: '', big: '' };
    const figures: string[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), `pfnmap-${kind.name}-`));
      mkdirSync(artifacts, { recursive: true });
      pages.e = join(dir, 'e.html');
      // issue 16's "Done when" command, as a user runs it
      const check = spawnSync(process.execPath, ['bin/pfnmap.js', 'check', '--config', 'zoo-E', '--design', 'legacy@v6.1', '--html', pages.e], { cwd: ROOT, encoding: 'utf8' });
      expect(check.status, check.stderr).toBe(1);
      expect(check.stdout).toContain(`trace page written to ${pages.e}`);
      const io = diskIo();
      pages.d = join(dir, 'd.html');
      expect(await run(['diff', '--designs', 'legacy@v6.15,tracked', 'munmap_split', '--html', pages.d], io)).toBe(1);
      pages.c = join(dir, 'c.html');
      expect(await run(['conform', '--design', 'legacy@v6.15-rc1', 'test/fixtures/kernel/6.1.192/selftest_munmap_split.ndjson', '--html', pages.c], io)).toBe(1);
      const log = join(dir, 'big.ndjson');
      writeFileSync(log, bigLog());
      pages.big = join(dir, 'big.html');
      const t0 = performance.now();
      expect(await run(['render', log, '--html', pages.big], io)).toBe(0);
      figures.push(`10,000-step page: written in ${Math.round(performance.now() - t0)} ms, ${(statSync(pages.big).size / 1e6).toFixed(2)} MB (log ${(statSync(log).size / 1e6).toFixed(2)} MB)`);
      browser = await launch(kind, join(dir, 'profile'));
    });
    afterAll(async () => {
      await browser?.close();
      if (figures.length) console.log(`${kind.name}: ${figures.join('; ')}`);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('a request the page made would be seen (the check below can fail)', async () => {
      const bait = join(dir, 'bait.html');
      writeFileSync(bait, '<p>bait</p><img src="http://127.0.0.1:47123/x.png">');
      const w = await watch(browser);
      await w.page.goto(fileUrl(bait));
      await w.page.waitForFunction(() => document.readyState === 'complete');
      expect(w.requests).toContain('http://127.0.0.1:47123/x.png');
      await w.page.close();
    });

    it('every page opens with no console error and no request', async () => {
      for (const path of [pages.e, pages.d, pages.c, pages.big]) {
        const w = await watch(browser);
        await open(w.page, path);
        for (const key of ['End', 'Home', 'ArrowRight', 'ArrowDown'] as const) await w.page.keyboard.press(key);
        await w.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
        expect(w.problems, path).toEqual([]);
        expect(w.requests.filter((u) => !u.startsWith(fileUrl(path))), path).toEqual([]);
        await w.page.close();
      }
    });

    it('zoo-E on legacy@v6.1, step by step: the mapping, the split, the invalid free, the leaked head', async () => {
      const w = await watch(browser);
      const p = w.page;
      await open(p, pages.e);
      await showing(p, 0);
      expect(await picture(p)).toMatchObject({ vmas: [], ctxs: [], entries: [], invalid: [], banners: [] });
      // step 1: mmap of two pages of /dev/mem: one VMA holding VM_PAT, one reservation over both frames
      await press(p, 'ArrowRight', 1);
      expect(await p.evaluate(() => location.hash)).toBe('#step=1');
      expect(await picture(p)).toMatchObject({
        vmas: ['0x7f000000000-0x7f000002000 VM_PAT(lineage 1)'],
        entries: ['[mem 0xfe000000-0xfe001fff] WB VM_PAT lineage 1'],
        invalid: [],
        banners: [],
      });
      // step 2 (munmap of the first page), event by event
      await press(p, 'ArrowDown', 2, 1);
      await press(p, 'ArrowDown', 2, 2);
      const split = await picture(p);
      expect(split.current[0]).toMatch(/^vm_area_dup\(split: /);
      expect(split.vmas).toEqual(['0x7f000000000-0x7f000001000 VM_PAT(lineage 1)', '0x7f000001000-0x7f000002000 VM_PAT(lineage 1)']);
      expect(split.invalid).toEqual([]);
      await press(p, 'ArrowDown', 2, 3);
      await press(p, 'ArrowDown', 2, 4);
      const bad = await picture(p);
      expect(bad.current[0]).toMatch(/^x86\/PAT: freeing invalid memtype \[mem 0xfe000000-0xfe000fff\]no-invalid-free breaks$/);
      expect(bad.invalid).toEqual(['[mem 0xfe000000-0xfe000fff]']);
      expect(bad.entries).toEqual(['[mem 0xfe000000-0xfe001fff] WB VM_PAT lineage 1']);
      expect(bad.banners).toEqual(['VIOLATION of no-invalid-free', 'quality invariant broken: tracking-precise']);
      expect(await p.evaluate(() => location.hash)).toBe('#step=2&event=4');
      // the end of step 2: the tail alone maps 0xfe001; the entry still covers 0xfe000, the head no VMA maps
      await press(p, 'End', 2);
      const end = await picture(p);
      expect(end.vmas).toEqual(['0x7f000001000-0x7f000002000 VM_PAT(lineage 1)']);
      expect(end.freedVmas).toEqual(['0x7f000000000-0x7f000002000']);
      expect(end.entries).toEqual(['[mem 0xfe000000-0xfe001fff] WB VM_PAT lineage 1']);
      expect(end.frameUsers).toEqual(['pfn 0xfe001 mapped by pid 1 WB']);
      expect(await p.$eval('.banner.quality', (b) => b.textContent)).toContain('[mem 0xfe000000-0xfe000fff] stays reserved');
      // what assistive technology gets: the live region, the slider's value, the picture's label
      expect(await p.$eval('#live', (x) => x.textContent)).toBe(
        'Step 2 of 2 · event 7 of 7: pid 1: munmap(0x7f000000000, 0x1000) = 0. violation of no-invalid-free; quality invariant tracking-precise',
      );
      expect(await p.$eval('#slider', (x) => x.getAttribute('aria-valuetext'))).toBe('Step 2 of 2 · event 7 of 7');
      expect(await p.$eval('.pic svg', (x) => `${x.getAttribute('role')}: ${x.getAttribute('aria-label')}`)).toBe(
        'img: counterexample: VIOLATION of no-invalid-free, step 2: 1 VMA, 0 ctx, 1 memtype entry, a failed free',
      );
      expect(await p.$$eval('nav button', (bs) => bs.filter((b) => !b.getAttribute('aria-label')).length)).toBe(0);
      await p.screenshot({ path: join(artifacts, 'zoo-E-step2.png'), fullPage: true });
      // back, and the URL keeps the position across a reload
      await press(p, 'ArrowLeft', 1);
      await press(p, 'Home', 0);
      await open(p, pages.e, '#step=2&event=2');
      await showing(p, 2, 2);
      expect((await picture(p)).vmas).toHaveLength(2);
      expect(w.problems).toEqual([]);
      await p.close();
    });

    it('the violation is marked at its step: the slider tick, the jump list, the banner only there', async () => {
      const w = await watch(browser);
      const p = w.page;
      await open(p, pages.e);
      const ticks = await p.$$eval('#ticks .tick', (ts) => ts.map((t) => `${t.className} ${(t as HTMLElement).style.left}`));
      expect(ticks).toEqual(['tick safety 100%', 'tick quality 100%']);
      expect(await p.$$eval('#marks button', (bs) => bs.map((b) => b.textContent))).toEqual(['step 2: VIOLATION of no-invalid-free', 'step 2: quality tracking-precise']);
      await p.click('#marks button');
      await showing(p, 2, 4);
      expect((await picture(p)).invalid).toEqual(['[mem 0xfe000000-0xfe000fff]']);
      await p.click('#prev');
      await showing(p, 1);
      expect((await picture(p)).banners).toEqual([]);
      await p.close();
    });

    it('the diff page: the two designs side by side, the first divergence marked at step 2', async () => {
      const w = await watch(browser);
      const p = w.page;
      await open(p, pages.d);
      expect(await p.$$eval('section.pane .info h2', (hs) => hs.map((h) => h.textContent))).toEqual(['legacy@v6.15', 'tracked']);
      expect(await p.$eval('#ticks .tick.diverge', (t) => (t as HTMLElement).style.left)).toBe('40%');
      await press(p, 'ArrowRight', 1);
      expect(await p.$$eval('.banner.diverge', (b) => b.length)).toBe(0);
      await press(p, 'ArrowRight', 2);
      expect(await p.$$eval('.banner.diverge strong', (b) => b.map((x) => x.textContent))).toEqual(['first divergence: step 2', 'first divergence: step 2']);
      const legacy = await picture(p, 0);
      const tracked = await picture(p, 1);
      expect(legacy.invalid).toEqual(['[mem 0xfe000000-0xfe000fff]']);
      expect(legacy.ctxs).toEqual([]);
      expect(tracked.invalid).toEqual([]);
      expect(tracked.ctxs).toEqual(['ctx 1 kref 1']);
      expect(tracked.vmas).toEqual(['0x7f000005000-0x7f000006000 ctx 1']);
      await p.screenshot({ path: join(artifacts, 'diff-munmap_split-step2.png'), fullPage: true });
      await p.close();
    });

    it('the conform page: the model beside the recorded kernel, the divergence at step 2', async () => {
      const w = await watch(browser);
      const p = w.page;
      await open(p, pages.c, '#step=2');
      expect(await p.$eval('.banner.diverge strong', (b) => b.textContent)).toBe('step 2: the kernel and the model differ (VMAs)');
      expect(await p.$eval('section.record pre', (x) => x.textContent)).toMatch(/klog: x86\/PAT: .*freeing invalid memtype/);
      await p.close();
    });

    it('a 10,000-step log opens and steps smoothly', async () => {
      const w = await watch(browser);
      const p = w.page;
      const t0 = performance.now();
      await open(p, pages.big);
      const openMs = performance.now() - t0;
      expect(await p.$eval('#slider', (s) => (s as HTMLInputElement).max)).toBe('10000');
      await open(p, pages.big, '#step=5000');
      await showing(p, 5000);
      // each key press redrawn within the next frame: measured in the page
      const times = await p.evaluate(async () => {
        const out: number[] = [];
        for (let i = 0; i < 60; i++) {
          const t = performance.now();
          document.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
          await new Promise((r) => requestAnimationFrame(() => r(null)));
          out.push(performance.now() - t);
        }
        return out;
      });
      await showing(p, 5060);
      const draws = await p.evaluate(() => performance.getEntriesByName('pfnmap-draw').slice(-60).map((m) => m.duration));
      const mean = times.reduce((a, b) => a + b, 0) / times.length;
      const drawMean = draws.reduce((a, b) => a + b, 0) / draws.length;
      figures.push(
        `opened in ${Math.round(openMs)} ms, a key press to the next frame ${mean.toFixed(1)} ms on average (max ${Math.max(...times).toFixed(1)} ms, 60 steps), the draw itself ${drawMean.toFixed(1)} ms (max ${Math.max(...draws).toFixed(1)} ms)`,
      );
      expect(openMs).toBeLessThan(15_000);
      expect(mean).toBeLessThan(100);
      await p.screenshot({ path: join(artifacts, 'big-step5060.png') });
      expect(w.problems).toEqual([]);
      await p.close();
    });

    it('the generated SVGs are well-formed and draw', async () => {
      const w = await watch(browser);
      for (const f of ['docs/traces/zoo-E.svg', 'docs/machines/vma.svg']) {
        await w.page.goto(fileUrl(join(ROOT, f)));
        const doc = await w.page.evaluate(() => ({ root: document.documentElement.localName, errors: document.getElementsByTagName('parsererror').length }));
        expect(doc, f).toEqual({ root: 'svg', errors: 0 });
        await (await w.page.$('svg'))!.screenshot({ path: join(artifacts, f.replace(/\//g, '_').replace(/\.svg$/, '.png')) });
      }
      await w.page.close();
    });

    if (kind.name === 'chromium')
      it('the dark scheme (prefers-color-scheme: dark) draws on a dark background', async () => {
        const w = await watch(browser);
        await w.page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
        await open(w.page, pages.e, '#step=2&event=4');
        expect(await w.page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(21, 24, 30)');
        await w.page.screenshot({ path: join(artifacts, 'zoo-E-step2-dark.png'), fullPage: true });
        await w.page.close();
      });

    it('the screenshots are pictures: big enough, many colours, not one flat background', async () => {
      // [file, the least width]: pages are taken at 1400 px (less a scroll bar), the SVGs at their own size
      const shots: [string, number][] = [
        ['zoo-E-step2.png', 1300],
        ['diff-munmap_split-step2.png', 1300],
        ['big-step5060.png', 1300],
        ['docs_traces_zoo-E.png', 600],
        ['docs_machines_vma.png', 600],
        ...(kind.name === 'chromium' ? [['zoo-E-step2-dark.png', 1300] as [string, number]] : []),
      ];
      for (const [name, width] of shots) {
        const png = readFileSync(join(artifacts, name));
        expect(png.length, name).toBeGreaterThan(20_000);
        const m = await inspectPng(browser, png);
        expect(m.width, name).toBeGreaterThanOrEqual(width);
        expect(m.colours, name).toBeGreaterThan(30);
        expect(m.drawn, name).toBeGreaterThan(0.03);
      }
    });
  });
};
