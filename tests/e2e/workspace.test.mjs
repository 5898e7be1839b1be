// Browser test of the workspace (signed-in pages): Debian's chromium driven by playwright-core, with
// an axe-core accessibility check of every page at desktop and phone width. Run by scripts/e2e
// (which starts the server with the demo data) with OVERSIGHT_URL and E2E_TMP set; screenshots of
// each page are saved to $E2E_TMP/screens. Prints one line per check and "N passed, N failed".
import assert from 'node:assert/strict';
import { PASSWORD, accessible, base, foreign, run, session, signIn } from './lib.mjs';

const officer = await session();
const exporter = await session();
let helixCase;

const checks = [
  ['the start page says what this is and links to the register', async () => {
    const page = await session();
    const resp = await page.goto(`${base}/`);
    assert.equal(resp.status(), 200);
    await page.getByRole('heading', { level: 1 }).waitFor();
    assert.ok(await page.getByRole('link', { name: 'Search the public register' }).count() === 1);
    await accessible(page, 'home');
  }],
  ['a wrong password is shown in an error summary and keeps the email typed', async () => {
    const page = await session();
    await page.goto(`${base}/login`);
    await accessible(page, 'login');
    await page.getByLabel('Email address').fill('officer@authority.example');
    await page.getByLabel('Password').fill('not-the-password');
    const [resp] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Sign in' }).click()]);
    assert.equal(resp.status(), 401);
    await page.getByRole('alert').getByText('There is a problem').waitFor();
    assert.equal(await page.getByLabel('Email address').inputValue(), 'officer@authority.example');
    assert.match(await page.title(), /^Error: Sign in/);
    await accessible(page, 'login-error');
  }],
  ['a page that needs sign-in sends you to sign in and then back', async () => {
    const page = await session();
    await page.goto(`${base}/work?sort=newest`);
    assert.match(page.url(), /\/login\?next=%2Fwork%3Fsort%3Dnewest$/);
    await page.getByLabel('Email address').fill('approver@authority.example');
    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([page.waitForURL(/\/work\?sort=newest$/), page.getByRole('button', { name: 'Sign in' }).click()]);
    await page.getByRole('heading', { level: 1, name: 'Work queue' }).waitFor();
  }],
  ['an officer signs in to the work queue, grouped by the clock', async () => {
    await signIn(officer, 'officer@authority.example');
    assert.match(officer.url(), /\/work$/);
    await officer.getByRole('heading', { level: 1, name: 'Work queue' }).waitFor();
    const groups = await officer.locator('section.queue-group h2').allTextContents();
    assert.ok(groups.length >= 1, 'at least one group');
    assert.ok(groups.every((g) => /(Waiting for you|Not yet assigned|Waiting for others) — (Critically overdue|Overdue|Due soon|Not due)/.test(g)), groups.join(' | '));
    await accessible(officer, 'work');
  }],
  ['the queue filters by destination and keeps the filter; a bad filter is explained', async () => {
    await officer.goto(`${base}/work?destination=zz`);
    await officer.getByRole('alert').getByText('is not a country code').waitFor();
    assert.equal(await officer.getByLabel('Destination (country code)').inputValue(), 'zz');
  }],
  ['an officer opens a case: summary, items, parties, screening, history', async () => {
    await officer.goto(`${base}/work`);
    const link = officer.locator('table.queue a').first();
    await Promise.all([officer.waitForURL(/\/applications\/[0-9a-f-]{36}$/), link.click()]);
    for (const h of ['Summary', 'Items', 'Parties', 'Documents', 'Screening', 'History']) {
      await officer.getByRole('heading', { level: 2, name: h }).waitFor();
    }
    assert.ok(await officer.locator('ol.timeline li').count() >= 1, 'a timeline entry');
    await accessible(officer, 'case');
  }],
  ['an approver sees the decision form; the recommending officer is told another approver decides', async () => {
    const approver = await session();
    await signIn(approver, 'approver@authority.example');
    await approver.goto(`${base}/work`);
    const pending = approver.locator('section.queue-group', { hasText: 'Waiting for you' }).locator('tr', { hasText: 'Pending decision' }).locator('a').first();
    await Promise.all([approver.waitForURL(/\/applications\/[0-9a-f-]{36}$/), pending.click()]);
    await approver.getByRole('button', { name: 'Record decision' }).waitFor();
    assert.ok(await approver.getByLabel('Public rationale (published on the register)').count() === 1);
    await accessible(approver, 'case-decide');
    await officer.goto(approver.url());
    assert.equal(await officer.getByRole('button', { name: 'Record decision' }).count(), 0);
    await officer.getByText('Another approver must decide').waitFor();
  }],
  ['an exporter sees only its own applications', async () => {
    await signIn(exporter, 'compliance@nordwatch.example');
    assert.match(exporter.url(), /\/applications$/);
    await exporter.getByRole('heading', { level: 1, name: 'Applications' }).waitFor();
    await accessible(exporter, 'applications');
    // A case of another exporter, found through the officer's view of all cases.
    await officer.goto(`${base}/applications`);
    const rows = await officer.locator('table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.querySelector('a').getAttribute('href')));
    const own = await exporter.locator('table tbody tr a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    helixCase = rows.find((h) => !own.includes(h));
    assert.ok(helixCase, 'a case of another organisation exists');
    const resp = await exporter.goto(`${base}${helixCase}`);
    assert.equal(resp.status(), 404);
    await exporter.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
  }],
  ['the exporter sees no screening or assessment on its own case', async () => {
    await exporter.goto(`${base}/applications`);
    const first = exporter.locator('table tbody tr a').first();
    await Promise.all([exporter.waitForURL(/\/applications\/[0-9a-f-]{36}$/), first.click()]);
    assert.equal(await exporter.getByRole('heading', { level: 2, name: 'Screening' }).count(), 0);
    assert.equal(await exporter.getByRole('heading', { level: 2, name: /assessment/ }).count(), 0);
  }],
  ['the verification page explains oversight verify with the key', async () => {
    const page = await session();
    await page.goto(`${base}/register/verify`);
    await page.getByRole('heading', { level: 1, name: 'Check the register yourself' }).waitFor();
    assert.match(await page.locator('pre.command').textContent(), /--key '/);
    await accessible(page, 'verify');
  }],
  ['an administrator lands on users and roles; the lists and the method in force have pages', async () => {
    const admin = await session();
    await signIn(admin, 'admin@authority.example');
    assert.match(admin.url(), /\/admin\/users$/);
    await admin.getByRole('heading', { level: 1, name: 'Users and roles' }).waitFor();
    await accessible(admin, 'admin-users');
    await admin.goto(`${base}/admin/lists`);
    await admin.getByRole('heading', { level: 1, name: 'Restricted-party lists' }).waitFor();
    await accessible(admin, 'admin-lists');
    await admin.goto(`${base}/admin/basis`);
    await admin.getByRole('heading', { level: 1, name: 'Assessment method and data' }).waitFor();
    await accessible(admin, 'admin-basis');
  }],
  ['a licence action asks for confirmation and a reason', async () => {
    const approver = await session();
    await signIn(approver, 'approver@authority.example');
    await approver.goto(`${base}/applications`);
    const links = await approver.locator('table tbody tr', { hasText: 'Approved' }).locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    let found = false;
    for (const href of links) {
      await approver.goto(`${base}${href}`);
      if (await approver.getByRole('link', { name: 'Revoke this licence' }).count()) { found = true; break; }
    }
    assert.ok(found, 'a demo licence the approver may revoke');
    await Promise.all([approver.waitForURL(/\/actions\/revoke$/), approver.getByRole('link', { name: 'Revoke this licence' }).click()]);
    await approver.getByText('published on the register').first().waitFor();
    await Promise.all([approver.waitForNavigation(), approver.getByRole('button', { name: 'Revoke this licence' }).click()]);
    await approver.getByRole('alert').getByText('There is a problem').waitFor();
    await accessible(approver, 'action-revoke-error');
  }],
  ['a form sent after the session ended is kept through sign-in', async () => {
    const page = await session();
    await signIn(page, 'compliance@nordwatch.example');
    await page.goto(`${base}/applications/new`);
    await page.getByLabel('A short name for this application').fill('Kept across sign-in');
    await page.context().clearCookies();
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Save and continue' }).click()]);
    await page.getByText('Your session has ended').waitFor();
    await accessible(page, 'session-ended');
    await page.getByLabel('Email address').fill('compliance@nordwatch.example');
    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Sign in' }).click()]);
    await page.getByRole('heading', { level: 1, name: 'Send your form again' }).waitFor();
    await accessible(page, 'resend');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Send the form' }).click()]);
    // The typed name reached the server: the refusal (no destination) shows it kept.
    assert.equal(await page.getByLabel('A short name for this application').inputValue(), 'Kept across sign-in');
  }],
  ['signing out ends the session', async () => {
    await Promise.all([officer.waitForURL(/\/login$/), officer.getByRole('button', { name: 'Sign out' }).click()]);
    await officer.goto(`${base}/work`);
    assert.match(officer.url(), /\/login\?next=/);
  }],
  ['nothing was requested from another site', async () => {
    assert.deepEqual(foreign, []);
  }],
];

await run(checks);
