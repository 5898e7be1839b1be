// After the decision, with the real binary, in the browser: an approver issues a licence with
// obligations → the exporter's first shipment is refused (no end-use certificate yet) → an
// administrator imports a list release that names the licence's end user → a licence review opens
// in the approver's queue → the approver suspends the licence on the review page → the exporter's
// next shipment is refused because the licence is suspended → the suspension is on the public
// register; then reports and their triage, an informed notice, a public holiday, an appeal of a
// condition heard by an independent panel, a complaint from the public concluded by the
// ombudsperson, an investigation concluded with a fine and a debarment → `oversight verify` accepts
// the log. Every page is checked with axe-core at desktop
// and phone width, with a screenshot. Run by scripts/e2e.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { accessible, base, follow, foreign, run, screens, session, signIn } from './lib.mjs';

const EXPORTERS = {
  'Nordwatch Systems AB': 'compliance@nordwatch.example',
  'Helix Forensics GmbH': 'compliance@helix-forensics.example',
  'Sentinel Signal Ltd': 'compliance@sentinel-signal.example',
};
const approver = await session();
let caseUrl, licenceUrl, exporter, endUser, licenceNumber;

/** Today, as the form wants it. */
const today = () => new Date().toISOString().slice(0, 10);

async function reportShipment(page, quantity) {
  await page.goto(licenceUrl);
  await page.getByLabel('Date the goods left (YYYY-MM-DD)').fill(today());
  await page.locator('#ship-lines input').first().fill(String(quantity));
  await page.getByLabel('Value in euros').fill('1000');
  await page.getByLabel('Consignee').selectOption({ label: endUser });
  await follow(page, page.getByRole('button', { name: 'Report the shipment' }));
}

const checks = [
  ['an approver issues a licence with obligations on the case page', async () => {
    await signIn(approver, 'approver@authority.example');
    await approver.goto(`${base}/work?status=pending_decision`);
    await follow(approver, approver.locator('table.queue a').first());
    caseUrl = approver.url();
    const caption = (await approver.locator('p.caption').first().textContent()).trim();
    const org = caption.split(' · ')[0];
    assert.ok(EXPORTERS[org], `an exporter of the demo: ${caption}`);
    exporter = await session();
    await signIn(exporter, EXPORTERS[org]);
    endUser = (await approver.locator('#parties tbody tr td:nth-child(2)').first().innerText()).split('\n')[0].trim();
    await approver.getByLabel('Approve with conditions').check();
    await approver.getByLabel(/An end-use certificate signed by the end user/).check();
    await approver.getByLabel(/A post-shipment verification/).check();
    await approver.getByLabel('Public rationale (published on the register)').fill('Licensed with end-use controls.');
    await approver.getByLabel("If you depart from the assessment's recommended outcome, why")
      .fill("The case officer's review of the end user outweighs the indicator score here.");
    await follow(approver, approver.getByRole('button', { name: 'Record decision' }));
    const licence = approver.getByRole('link', { name: 'shipments, obligations and reviews' });
    await licence.waitFor();
    await follow(approver, licence);
    licenceUrl = approver.url();
    licenceNumber = (await approver.locator('h1').textContent()).replace('Licence ', '').trim();
    await approver.getByText('An end-use certificate signed by the end user must be on file').waitFor();
    await accessible(approver, 'licence-authority');
  }],
  ['the exporter sees the licence, and a shipment before the certificate is refused and recorded', async () => {
    await exporter.goto(licenceUrl);
    await accessible(exporter, 'licence-exporter');
    await reportShipment(exporter, 1);
    await exporter.getByRole('alert').getByText(/refused and recorded for the enforcement officers/).waitFor();
    assert.match(await exporter.locator('#shipments').textContent(), /Refused/);
    await accessible(exporter, 'licence-shipment-refused');
  }],
  ['a list release naming the end user opens a review in the approver\'s queue', async () => {
    const admin = await session();
    await signIn(admin, 'admin@authority.example');
    await admin.goto(`${base}/admin/lists`);
    const sample = fs.readFileSync(new URL('../../data/lists/us-csl-sample.csv', import.meta.url), 'utf8');
    const header = sample.split('\n')[0];
    const row = header.split(',').map(() => '');
    row[0] = 'e2e-licensed-end-user';
    row[1] = 'Entity List (EL) - Bureau of Industry and Security';
    row[3] = 'Entity';
    row[5] = `"${endUser}"`;
    const csv = `${sample.trimEnd()}\n${row.join(',')}\n`;
    await admin.getByLabel('List name').fill('us-csl');
    await admin.getByLabel('Format').selectOption('csl-csv');
    await admin.getByLabel('List file (at most 64 MB)').setInputFiles({ name: 'csl-e2e.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await follow(admin, admin.getByRole('button', { name: 'Import' }));
    await admin.getByText('The release is stored and in use for screening.').waitFor({ timeout: 60000 });
    await approver.goto(`${base}/work`);
    const review = approver.getByRole('link', { name: licenceNumber }).first();
    await review.waitFor();
    assert.match(await approver.locator('section', { hasText: 'Licences needing attention' }).textContent(), /list match/);
    await accessible(approver, 'work-licences');
  }],
  ['the approver suspends the licence on the review page; it is published at once', async () => {
    await approver.goto(`${base}/work`);
    const row = approver.locator('tr', { hasText: 'list match' }).filter({ hasText: licenceNumber });
    await follow(approver, row.getByRole('link', { name: licenceNumber }));
    assert.match(approver.url(), /\/reviews\/[0-9a-f-]{36}$/);
    assert.match(await approver.locator('blockquote').textContent(), new RegExp(endUser.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    await accessible(approver, 'review');
    // No outcome chosen: refused, nothing recorded, the reason typed is kept.
    await approver.getByLabel(/Reason/).fill('The end user is now on the Entity List.');
    await follow(approver, approver.getByRole('button', { name: 'Record the decision' }));
    await approver.getByRole('alert').getByText('Choose the outcome of the review').waitFor();
    assert.equal(await approver.getByLabel(/Reason/).inputValue(), 'The end user is now on the Entity List.');
    await accessible(approver, 'review-error');
    await approver.getByLabel(/Suspend the licence/).check();
    await follow(approver, approver.getByRole('button', { name: 'Record the decision' }));
    assert.equal(approver.url().split('#')[0], licenceUrl);
    assert.equal((await approver.locator('.status-line').textContent()).trim(), 'Suspended');
    const register = await session();
    await register.goto(`${base}/register?q=${encodeURIComponent(licenceNumber)}`);
    assert.match(await register.locator('main').textContent(), /[Ss]uspended/);
  }],
  ['a shipment under the suspended licence is refused', async () => {
    await reportShipment(exporter, 1);
    await exporter.getByRole('alert').getByText(/the licence is suspended/).waitFor();
  }],
  ['an exporter reports a suspicious request; an officer triages it', async () => {
    await exporter.goto(`${base}/reports`);
    await exporter.getByLabel('Who asked (name of the person or company)').fill('Blue Harbour Logistics');
    await exporter.getByLabel('The country they gave').selectOption({ label: 'Panama' });
    await exporter.getByLabel('What they asked for').fill('Four interception probes');
    await follow(exporter, exporter.getByRole('button', { name: 'Send the report' }));
    await exporter.getByRole('alert').getByText(/Why: must not be empty/).waitFor();
    assert.equal(await exporter.getByLabel('What they asked for').inputValue(), 'Four interception probes');
    await accessible(exporter, 'reports-error');
    await exporter.getByLabel('Why it looked suspicious').fill('They asked for delivery to a third country and refused an end-user certificate.');
    await follow(exporter, exporter.getByRole('button', { name: 'Send the report' }));
    await exporter.getByText('Blue Harbour Logistics (Panama)').waitFor();
    await accessible(exporter, 'reports-exporter');
    const officer = await session();
    await signIn(officer, 'officer@authority.example');
    await officer.goto(`${base}/reports`);
    const card = officer.locator('article', { hasText: 'Blue Harbour Logistics' });
    await card.getByLabel('What was done').selectOption('referred_to_enforcement');
    await card.getByLabel('Note').fill('Matches a pattern the enforcement team follows.');
    await follow(officer, card.getByRole('button', { name: 'Record the triage' }));
    await officer.locator('article', { hasText: 'Blue Harbour Logistics' }).getByText(/Referred to enforcement/).waitFor();
    await accessible(officer, 'reports-officer');
  }],
  ['an approver issues an informed notice; it is on the register', async () => {
    await approver.goto(`${base}/notices`);
    await approver.getByLabel('Exporter').selectOption({ label: 'Nordwatch Systems AB' });
    await approver.getByLabel('The unlisted item').fill('Unlisted voice-analytics add-on');
    await approver.getByLabel('Destination (optional if an end user is given)').selectOption({ label: 'Kenya' });
    await approver.getByLabel('Why (published)').fill('Risk of use against journalists in the destination.');
    await follow(approver, approver.getByRole('button', { name: 'Issue the notice' }));
    await approver.getByText('Unlisted voice-analytics add-on').waitFor();
    await accessible(approver, 'notices');
    const register = await session();
    await register.goto(`${base}/register?outcome=informed`);
    assert.match(await register.locator('main').textContent(), /Risk of use against journalists in the destination/);
  }],
  ['an administrator adds a public holiday', async () => {
    const admin = await session();
    await signIn(admin, 'admin@authority.example');
    await admin.goto(`${base}/admin/calendar?year=2027`);
    await admin.getByLabel('Date (YYYY-MM-DD)').fill('2027-03-03');
    await admin.getByLabel('Name').fill('Authority closure');
    await follow(admin, admin.getByRole('button', { name: 'Add the holiday' }));
    await admin.getByRole('cell', { name: 'Authority closure', exact: true }).waitFor();
    await accessible(admin, 'calendar');
  }],
  ['the exporter appeals a condition; an independent panel removes it; the reasons are published', async () => {
    await exporter.goto(caseUrl);
    await follow(exporter, exporter.getByRole('link', { name: 'Appeal this decision or licence action' }));
    await follow(exporter, exporter.getByRole('button', { name: 'Send the appeal' }));
    await exporter.getByRole('alert').getByText('Choose what you appeal').waitFor();
    await accessible(exporter, 'appeal-new-error');
    await exporter.getByLabel(/^Condition 2: A post-shipment verification/).check();
    await exporter.getByLabel('Your grounds').fill('The end user verifies every shipment under its own statutory audit.');
    await exporter.getByLabel(/^A supporting document/).setInputFiles({
      name: 'statutory-audit.txt', mimeType: 'text/plain', buffer: Buffer.from('Statutory audit of every shipment, 2026.'),
    });
    await follow(exporter, exporter.getByRole('button', { name: 'Send the appeal' }));
    assert.match(exporter.url(), /\/appeals\/[0-9a-f-]{36}$/);
    await exporter.getByText('Documents: statutory-audit.txt').waitFor();
    const appealUrl = exporter.url();
    await accessible(exporter, 'appeal-exporter');
    for (const email of ['panel@authority.example', 'panel2@authority.example']) {
      const member = await session();
      await signIn(member, email);
      await member.goto(appealUrl);
      await follow(member, member.getByRole('button', { name: 'Join the panel' }));
      if (email === 'panel2@authority.example') {
        await accessible(member, 'appeal-panel');
        await member.getByLabel(/^Overturned/).check();
        await member.getByLabel(/^Reasons/).fill('The statutory audit already verifies each shipment on site.');
        await follow(member, member.getByRole('button', { name: "Record the panel's decision" }));
        await member.getByText(/Overturned on/).waitFor();
      }
    }
    const register = await session();
    await register.goto(`${base}/register?outcome=appeal_overturned`);
    assert.match(await register.locator('main').textContent(), /statutory audit already verifies/);
  }],
  ['anyone complains without an account; the ombudsperson concludes; the outcome is public by reference', async () => {
    const visitor = await session();
    await visitor.goto(`${base}/register`);
    await follow(visitor, visitor.getByRole('link', { name: 'Complain or report misuse' }));
    await follow(visitor, visitor.getByRole('button', { name: 'Send the complaint' }));
    await visitor.getByRole('alert').getByText(/Account: must not be empty/).waitFor();
    await accessible(visitor, 'complaint-error');
    await visitor.getByLabel('What happened: who, what, where, when').fill('A licensed monitoring system was used to track journalists in March.');
    await visitor.getByLabel('How to reach you (optional, never published)').fill('reporter@example.org');
    await follow(visitor, visitor.getByRole('button', { name: 'Send the complaint' }));
    assert.match(visitor.url(), /\/complaints\/C-[0-9A-F]{12}$/);
    const statusUrl = visitor.url();
    await accessible(visitor, 'complaint-status');
    const reference = statusUrl.split('/').pop();
    const o = await session();
    await signIn(o, 'ombudsperson@authority.example');
    await o.goto(`${base}/ombudsperson`);
    const card = o.locator('article', { hasText: reference });
    await card.getByLabel('Findings (published)').fill('Referred to the enforcement officers for investigation.');
    await card.getByLabel('What follows').selectOption('referred_to_enforcement');
    await follow(o, card.getByRole('button', { name: 'Record the findings' }));
    await accessible(o, 'ombudsperson');
    await visitor.goto(statusUrl);
    const text = await visitor.locator('main').textContent();
    assert.match(text, /Referred to the enforcement officers for investigation/);
    assert.doesNotMatch(text, /reporter@example.org|track journalists/);
  }],
  ['an enforcement officer investigates an exporter and debars it; the register names it', async () => {
    const e = await session();
    await signIn(e, 'enforcement@authority.example');
    await e.goto(`${base}/enforcement`);
    await e.getByRole('link', { name: /^INV-/ }).first().waitFor();
    await follow(e, e.getByRole('button', { name: 'Open the investigation' }));
    await e.getByRole('alert').getByText('Choose the exporter').waitFor();
    await accessible(e, 'enforcement-error');
    await e.getByLabel('Exporter').selectOption({ label: 'Helix Forensics GmbH' });
    await e.getByLabel('What is being investigated').fill('Two consignments shipped to a consignee not on the licence.');
    await follow(e, e.getByRole('button', { name: 'Open the investigation' }));
    assert.match(e.url(), /\/enforcement\/[0-9a-f-]{36}$/);
    await e.getByLabel('Add evidence').fill('Customs records of both consignments.');
    await follow(e, e.getByRole('button', { name: 'Add the evidence' }));
    await e.getByText('Customs records of both consignments.').waitFor();
    await accessible(e, 'investigation');
    const until = new Date(Date.now() + 365 * 86400e3).toISOString().slice(0, 10);
    await e.getByLabel('Yes: a violation was found').check();
    await e.getByLabel('Findings (published with any warning, fine or debarment)').fill('The company shipped twice to an unlicensed consignee.');
    await e.getByLabel('A fine, in euros').fill('75000');
    await e.getByLabel('Debar until (last day, YYYY-MM-DD)').fill(until);
    await follow(e, e.getByRole('button', { name: 'Conclude the investigation' }));
    await e.getByText('A fine of EUR 75,000').waitFor();
    await e.getByText(`Debarment until ${until}`).waitFor();
    await accessible(e, 'investigation-concluded');
    const visitor = await session();
    await visitor.goto(`${base}/register?outcome=debarment`);
    await follow(visitor, visitor.getByRole('link', { name: /Exporter debarred/ }).first());
    const text = await visitor.locator('main').textContent();
    assert.match(text, /Helix Forensics GmbH|Orion Lawful Intercept SRL/);
    assert.match(text, /Debarment until/);
    await accessible(visitor, 'register-debarment');
  }],
  ['oversight verify accepts the log', async () => {
    const bin = process.env.OVERSIGHT_BIN;
    assert.ok(bin, 'scripts/e2e sets OVERSIGHT_BIN');
    const state = path.join(screens, '..', 'verify-state.json');
    const out = execFileSync(bin, ['verify', '--url', base, '--state', state], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.match(out, /^OK: log .* verified at size \d+/, out);
  }],
  ['no request left the server', async () => {
    assert.deepEqual(foreign, []);
  }],
];

await run(checks);
