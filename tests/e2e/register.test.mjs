// Browser test of the public register: Debian's chromium driven by playwright-core (no browser is
// downloaded). Run by scripts/e2e, which starts the server with the demo data and sets:
//   OVERSIGHT_URL  base URL of the running server (e.g. http://127.0.0.1:18080)
//   E2E_TMP        directory for screenshots (for debugging failures)
// Prints one line per check and "N passed, N failed" last; exits non-zero on any failure.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import path from 'node:path';

const base = process.env.OVERSIGHT_URL ?? 'http://127.0.0.1:8080';
const tmp = process.env.E2E_TMP ?? '/tmp';
const TIMEOUT = 30_000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run', '--disable-sync'],
  timeout: TIMEOUT,
});
const context = await browser.newContext();
context.setDefaultTimeout(TIMEOUT);
const page = await context.newPage();
// The pages must work offline: any request leaving the server is a failure.
const foreign = [];
page.on('request', (r) => { if (!r.url().startsWith(base)) foreign.push(r.url()); });

/** Results rows of the register table: [date, outcome, destination, ...] per row. */
async function rows() {
  return page.locator('table.results tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
}

const checks = [
  ['the register lists the demo decisions', async () => {
    const resp = await page.goto(`${base}/register`);
    assert.equal(resp.status(), 200);
    await page.getByRole('heading', { level: 1, name: 'Search the register' }).waitFor();
    const r = await rows();
    assert.ok(r.length >= 8, `expected the 8 demo records, got ${r.length}`);
    assert.ok(r.some((c) => c[1] === 'Refused' && c[2] === 'Belarus (BY)'), 'Belarus refused');
    assert.ok(r.some((c) => c[1] === 'Issued' && c[2] === 'France (FR)'), 'France issued');
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
    assert.ok(r.every((c) => c[1] === 'Refused'), `only refusals: ${JSON.stringify(r)}`);
    assert.equal(await page.getByLabel('Outcome').inputValue(), 'refused', 'the form keeps the filter');
  }],
  ['an invalid date shows a message, not a crash', async () => {
    const resp = await page.goto(`${base}/register?from=not-a-date`);
    assert.equal(resp.status(), 422);
    await page.getByRole('alert').getByText('is not a date').waitFor();
  }],
  ['a record page shows its inclusion proof and how to verify', async () => {
    await page.goto(`${base}/register?outcome=refused`);
    await Promise.all([page.waitForURL(/\/register\/\d+$/), page.locator('table.results a').first().click()]);
    await page.getByRole('heading', { name: /^Refused: / }).waitFor();
    await page.getByRole('heading', { name: 'Inclusion proof' }).waitFor();
    const hashes = await page.locator('ol.inclusion-proof code').allTextContents();
    assert.ok(hashes.length >= 1 && hashes.every((h) => /^[A-Za-z0-9+/]{43}=$/.test(h)), `proof ${hashes}`);
    assert.match(await page.locator('pre.checkpoint').textContent(), /^oversight\.local\/register\n\d+\n/);
    assert.match(await page.locator('main').textContent(), /oversight verify --url http/);
    await page.screenshot({ path: path.join(tmp, 'record.png'), fullPage: true });
  }],
  ['an unknown record is a 404 page', async () => {
    const resp = await page.goto(`${base}/register/999999`);
    assert.equal(resp.status(), 404);
    await page.getByRole('heading', { name: 'Record not found' }).waitFor();
  }],
  ['the statistics page draws SVG charts', async () => {
    const resp = await page.goto(`${base}/register/stats`);
    assert.equal(resp.status(), 200);
    const chart = page.getByRole('img', { name: /First decisions by outcome/ });
    await chart.waitFor();
    const box = await chart.boundingBox();
    assert.ok(box && box.width > 100 && box.height > 10, `chart is drawn: ${JSON.stringify(box)}`);
    assert.ok(await page.locator('svg rect.bar').count() >= 3, 'bars');
    await page.getByRole('heading', { name: 'Cyber-surveillance items' }).waitFor();
    await page.getByRole('heading', { name: 'Excluded from statistics' }).waitFor();
    await page.screenshot({ path: path.join(tmp, 'stats.png'), fullPage: true });
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
