// What the browser tests of the workspace share: Debian's chromium through playwright-core (never a
// browser download), a fresh session per person, signing in, an axe-core check with screenshots at
// desktop and phone width, and a runner that prints one line per check.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const base = process.env.OVERSIGHT_URL ?? 'http://127.0.0.1:8080';
const tmp = process.env.E2E_TMP ?? '/tmp';
export const screens = path.join(tmp, 'screens');
fs.mkdirSync(screens, { recursive: true });
const TIMEOUT = 30_000;
export const PASSWORD = 'oversight-demo-2026';
export const WIDTHS = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } };

export const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run', '--disable-sync'],
  timeout: TIMEOUT,
});
/** Every request that left the server (the pages must work offline). */
export const foreign = [];

/** A fresh browser session (its own cookies). */
export async function session() {
  const context = await browser.newContext({ viewport: WIDTHS.desktop });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  page.on('request', (r) => { if (!r.url().startsWith(base)) foreign.push(r.url()); });
  return page;
}

export async function signIn(page, email) {
  await page.goto(`${base}/login`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Sign in' }).click()]);
}

/** Clicks what `locator` finds and waits for the page it leads to. */
export async function follow(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

/**
 * axe-core on the page as it is, at desktop and phone width, with a screenshot of each. axe runs in
 * a separate context that bypasses the page's CSP (which forbids injected scripts), with the same
 * cookies; the document checked is the one the person has in front of them (copied from their page,
 * so the answer to a refused form is checked, not a fresh GET of its address).
 */
export async function accessible(page, name) {
  const state = await page.context().storageState();
  const url = page.url();
  const html = await page.content();
  for (const [label, viewport] of Object.entries(WIDTHS)) {
    const ctx = await browser.newContext({ viewport, bypassCSP: true, storageState: state });
    const p = await ctx.newPage();
    await p.goto(url);
    await p.setContent(html, { waitUntil: 'load' });
    await p.screenshot({ path: path.join(screens, `${name}-${label}.png`), fullPage: true });
    await noSeriousViolations(p, `${name} at ${label} width`);
    await ctx.close();
  }
}

/** Runs axe-core in `p` (a context that bypasses the CSP) and fails on a serious or critical violation. */
export async function noSeriousViolations(p, what) {
  await p.addScriptTag({ content: AXE });
  const result = await p.evaluate(async () => await globalThis.axe.run(document, {
    resultTypes: ['violations'],
  }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(' ')})`), [], what);
}

/** Runs `[name, fn]` checks in order, one line each; a failed check does not stop the rest. */
export async function run(checks) {
  let passed = 0, failed = 0;
  for (const [name, fn] of checks) {
    try {
      await fn();
      passed++;
      console.log(`ok   ${name}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${name}\n     ${String(e.message ?? e).split('\n').join('\n     ')}`);
    }
  }
  await browser.close();
  console.log(`${passed} passed, ${failed} failed (screenshots in ${screens})`);
  process.exit(failed ? 1 : 0);
}
