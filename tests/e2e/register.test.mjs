// Browser test of the public register: Debian's chromium driven by playwright-core (no browser is
// downloaded). Run by scripts/e2e, which starts the server with the demo data and sets:
//   OVERSIGHT_URL  base URL of the running server (e.g. http://127.0.0.1:18080)
//   E2E_TMP        directory for screenshots (for debugging failures)
// Every register page is also checked with axe-core and photographed at desktop and phone width
// (screenshots in $E2E_TMP/screens/register-*.png).
// Prints one line per check and "N passed, N failed" last; exits non-zero on any failure.
import assert from 'node:assert/strict';
import path from 'node:path';
import { WIDTHS, base, browser, foreign, noSeriousViolations, screens } from './lib.mjs';

const tmp = process.env.E2E_TMP ?? '/tmp';
const TIMEOUT = 30_000;
const context = await browser.newContext();
context.setDefaultTimeout(TIMEOUT);
const page = await context.newPage();
// The pages must work offline: any request leaving the server is a failure.
page.on('request', (r) => { if (!r.url().startsWith(base)) foreign.push(r.url()); });

/** Results rows of the register table: [date, record, destination, ...] per row. */
async function rows() {
  return page.locator('table.results tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
}

/**
 * A register page at desktop and phone width: a screenshot of each, no serious or critical axe-core
 * violation, nothing wider than the screen, and `extra(page, label)` for checks of the layout. axe
 * runs in a context that bypasses the page's CSP (which forbids injected scripts).
 */
async function lookAt(url, name, extra = async () => {}) {
  for (const [label, viewport] of Object.entries(WIDTHS)) {
    const ctx = await browser.newContext({ viewport, bypassCSP: true });
    const p = await ctx.newPage();
    p.on('request', (r) => { if (!r.url().startsWith(base)) foreign.push(r.url()); });
    await p.goto(`${base}${url}`);
    await p.screenshot({ path: path.join(screens, `register-${name}-${label}.png`), fullPage: true });
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name} at ${label} width is ${overflow} px wider than the screen`);
    await extra(p, label);
    await noSeriousViolations(p, `${name} at ${label} width`);
    await ctx.close();
  }
}

const checks = [
  ['the register lists the demo decisions', async () => {
    const resp = await page.goto(`${base}/register`);
    assert.equal(resp.status(), 200);
    await page.getByRole('heading', { level: 1, name: 'Search the register' }).waitFor();
    const r = await rows();
    assert.ok(r.length >= 8, `expected the 8 demo records, got ${r.length}`);
    assert.ok(r.some((c) => c[1] === 'Licence refused' && c[2] === 'Belarus (BY)'), 'Belarus refused');
    assert.ok(r.some((c) => c[1].startsWith('Licence issued') && c[2] === 'France (FR)'), 'France issued');
    assert.ok(r.every((c) => /^\d{1,2} [A-Z][a-z]+ \d{4}$/.test(c[0])), `dates as dates: ${r.map((c) => c[0])}`);
    assert.match(await page.title(), /^Search the register – Oversight – .+/);
    for (const name of ['CSV', 'JSON lines', 'Atom feed', 'Statistics']) {
      assert.ok(await page.getByRole('link', { name, exact: true }).count() > 0, `link ${name}`);
    }
  }],
  ['filtering by outcome shows only refusals', async () => {
    await page.goto(`${base}/register`);
    await page.getByLabel('Outcome').selectOption('refused');
    await Promise.all([page.waitForURL(/outcome=refused/), page.getByRole('button', { name: 'Search' }).click()]);
    const r = await rows();
    assert.ok(r.length >= 1, 'at least the Belarus refusal');
    assert.ok(r.every((c) => c[1] === 'Licence refused'), `only refusals: ${JSON.stringify(r)}`);
    assert.equal(await page.getByLabel('Outcome').inputValue(), 'refused', 'the form keeps the filter');
  }],
  ['an invalid date shows a message beside its field and in a summary, keeping what was typed', async () => {
    const resp = await page.goto(`${base}/register?from=not-a-date&q=police`);
    assert.equal(resp.status(), 422);
    await page.getByRole('alert').getByText('is not a date').waitFor();
    assert.equal(await page.getByLabel('Date from').inputValue(), 'not-a-date');
    assert.equal(await page.getByLabel('Text').inputValue(), 'police');
    // The summary's link takes the keyboard to the field.
    await page.getByRole('alert').getByRole('link').first().click();
    assert.equal(await page.evaluate(() => document.activeElement?.id ?? ''), 'from');
  }],
  ['the search page reads well at desktop and phone width', async () => {
    await lookAt('/register', 'search', async (p, label) => {
      if (label === 'phone') {
        // One card per record: the record's name first, every cell inside the screen.
        const first = await p.locator('table.results tbody tr').first().locator('td').evaluateAll((tds) =>
          tds.map((td) => td.getBoundingClientRect()).filter((r) => r.height > 0).map((r) => [r.top, r.right]));
        assert.ok(first.every(([, right]) => right <= 390), `cells inside the screen: ${first}`);
      }
    });
    await lookAt('/register?from=not-a-date&q=police', 'search-error');
  }],
  ['a record page shows its inclusion proof and how to verify', async () => {
    await page.goto(`${base}/register?outcome=refused`);
    await Promise.all([page.waitForURL(/\/register\/\d+$/), page.locator('table.results a').first().click()]);
    await page.getByRole('heading', { name: /^Licence refused: / }).waitFor();
    await page.getByRole('heading', { name: 'Inclusion proof' }).waitFor();
    const hashes = await page.locator('ol.inclusion-proof code').allTextContents();
    assert.ok(hashes.length >= 1 && hashes.every((h) => /^[A-Za-z0-9+/]{43}=$/.test(h)), `proof ${hashes}`);
    assert.match(await page.locator('pre.checkpoint').textContent(), /^oversight\.local\/register\n\d+\n/);
    assert.match(await page.locator('main').textContent(), /oversight verify --url http/);
    await lookAt(new URL(page.url()).pathname, 'record');
  }],
  ['a licence action names the licence it acts on', async () => {
    await page.goto(`${base}/register?outcome=revoked`);
    await Promise.all([page.waitForURL(/\/register\/\d+$/), page.locator('table.results a').first().click()]);
    const link = page.locator('dt:text-is("Acts on") + dd a');
    assert.match(await link.textContent(), /^Licence issued.*: .+, \d{1,2} [A-Z][a-z]+ \d{4}$/);
    await lookAt(new URL(page.url()).pathname, 'record-action');
  }],
  ['an unknown record is a 404 page', async () => {
    const resp = await page.goto(`${base}/register/999999`);
    assert.equal(resp.status(), 404);
    await page.getByRole('heading', { name: 'Record not found' }).waitFor();
    await lookAt('/register/999999', 'not-found');
  }],
  ['the statistics page draws bar charts that show their numbers and stay proportional', async () => {
    const resp = await page.goto(`${base}/register/stats`);
    assert.equal(resp.status(), 200);
    await page.getByRole('figure', { name: 'First decisions by outcome', exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Cyber-surveillance items' }).waitFor();
    await page.getByRole('heading', { name: 'Excluded from statistics' }).waitFor();
    await lookAt('/register/stats', 'stats', async (p, label) => {
      const bars = await p.locator('#chart-outcomes-t + ul.bars li').evaluateAll((lis) => lis.map((li) => ({
        count: Number(li.querySelector('.bar-count').textContent),
        width: li.querySelector('.bar-fill').getBoundingClientRect().width,
        track: li.querySelector('.bar-track').getBoundingClientRect().width,
        shown: li.querySelector('.bar-count').getBoundingClientRect().right <= window.innerWidth,
      })));
      assert.ok(bars.length >= 3, `bars at ${label}: ${JSON.stringify(bars)}`);
      const max = Math.max(...bars.map((b) => b.count));
      for (const b of bars) {
        assert.ok(b.shown, `the number ${b.count} is on screen at ${label}`);
        assert.ok(Math.abs(b.width / b.track - b.count / max) < 0.02,
          `bar of ${b.count} is ${b.width} of ${b.track} px at ${label} (max ${max})`);
      }
    });
  }],
  ['the CSV download has a header and the demo decisions', async () => {
    await page.goto(`${base}/register`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'CSV', exact: true }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'decisions.csv');
    const file = path.join(tmp, 'decisions.csv');
    await download.saveAs(file);
    const text = (await import('node:fs')).readFileSync(file, 'utf8');
    const lines = text.trim().split('\n');
    assert.ok(lines[0].startsWith('index,record_id,kind,outcome,'), lines[0]);
    assert.ok(lines.length >= 9, `header and 8 records, got ${lines.length}`);
    assert.ok(lines.some((l) => l.includes(',refused,') && l.includes(',BY,')), 'Belarus refusal in the CSV');
  }],
  ['no request left the server', async () => {
    assert.deepEqual(foreign, []);
  }],
];

let passed = 0;
let failed = 0;
for (const [name, run] of checks) {
  try {
    await run();
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed += 1;
    console.log(`FAILED - ${name}\n  ${String(e?.stack ?? e).split('\n').slice(0, 4).join('\n  ')}`);
    const shot = path.join(tmp, `failed-${passed + failed}.png`);
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    console.log(`  screenshot: ${shot}`);
  }
}
await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
