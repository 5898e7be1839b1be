// The main journey, entirely in the browser: an exporter drafts an application as a task list and
// submits it → a licensing officer takes the case, adjudicates its screening alert, records the risk
// assessment and a recommendation → the human-rights assessor records the HRIA → an approver decides
// with conditions → the decision is on the public register and in its CSV. Every page of the way is
// checked with axe-core at desktop and phone width, with a screenshot. Run by scripts/e2e.
import assert from 'node:assert/strict';
import { accessible, base, follow, foreign, run, session, signIn } from './lib.mjs';

const stamp = Date.now().toString(36);
const TITLE = `Interception platform for the border police ${stamp}`;
const LISTED = 'Dongmei Investment Group Co., Limited';
const exporter = await session();
const officer = await session();
let caseUrl;

const checks = [
  ['an exporter starts an application; a validation error keeps what was typed', async () => {
    await signIn(exporter, 'compliance@nordwatch.example');
    await follow(exporter, exporter.getByRole('link', { name: 'Start an application' }));
    await accessible(exporter, 'journey-new');
    await exporter.getByLabel('Country of final destination').selectOption({ label: 'Norway' });
    await exporter.getByLabel('End-use statement').fill('Lawful interception by the border police under judicial warrant.');
    await follow(exporter, exporter.getByRole('button', { name: 'Save and continue' }));
    await exporter.getByRole('alert').getByText('There is a problem').waitFor();
    assert.match(await exporter.title(), /^Error: Start an application/);
    assert.equal(await exporter.getByLabel('End-use statement').inputValue(), 'Lawful interception by the border police under judicial warrant.');
    assert.equal(await exporter.getByLabel('Country of final destination').inputValue(), 'NO');
    await accessible(exporter, 'journey-new-error');
    await exporter.getByLabel('A short name for this application').fill(TITLE);
    await follow(exporter, exporter.getByRole('button', { name: 'Save and continue' }));
    assert.match(exporter.url(), /\/applications\/[0-9a-f-]{36}$/);
    caseUrl = exporter.url();
    await exporter.getByText('You have completed 1 of 3 required sections').waitFor();
    await accessible(exporter, 'journey-tasks');
  }],
  ['the exporter adds an item from the control list and two parties', async () => {
    await follow(exporter, exporter.getByRole('link', { name: 'Items' }));
    await exporter.getByLabel('Control-list entry').fill('5A001.f');
    await exporter.getByLabel('Description').fill('Portable IMSI catcher');
    await exporter.getByLabel('Quantity').fill('2');
    await exporter.getByLabel('Value in euros').fill('250000');
    await follow(exporter, exporter.getByRole('button', { name: 'Add item' }));
    await exporter.getByRole('cell', { name: 'Portable IMSI catcher', exact: true }).waitFor();
    await accessible(exporter, 'journey-items');
    await follow(exporter, exporter.getByRole('link', { name: 'Return to the task list' }));
    await follow(exporter, exporter.getByRole('link', { name: 'Parties' }));
    // The first party is the end user in the destination, offered as the default.
    assert.equal(await exporter.getByLabel('Role').inputValue(), 'end_user');
    await exporter.getByLabel('Name', { exact: true }).fill('Norwegian Border Police Directorate');
    await exporter.getByLabel('Address').fill('Oslo');
    await exporter.getByLabel('Sector').selectOption('police');
    await follow(exporter, exporter.getByRole('button', { name: 'Add party' }));
    await exporter.getByLabel('Role').selectOption('consignee');
    await exporter.getByLabel('Name', { exact: true }).fill(LISTED);
    await exporter.getByLabel('Address').fill('Hong Kong');
    await exporter.getByLabel('Country').selectOption({ label: 'Hong Kong' });
    await exporter.getByLabel('Sector').selectOption('commercial');
    await follow(exporter, exporter.getByRole('button', { name: 'Add party' }));
    assert.equal(await exporter.locator('table tbody tr').count(), 2);
    await accessible(exporter, 'journey-parties');
    await exporter.goto(`${caseUrl}/documents`);
    await exporter.getByRole('heading', { level: 1, name: 'Supporting documents' }).waitFor();
    await accessible(exporter, 'journey-documents');
    await exporter.goto(`${caseUrl}/details`);
    assert.equal(await exporter.getByLabel('A short name for this application').inputValue(), TITLE);
    await accessible(exporter, 'journey-details');
  }],
  ['the exporter checks the answers and submits', async () => {
    await exporter.goto(caseUrl);
    await exporter.getByText('You have completed 3 of 3 required sections').waitFor();
    await follow(exporter, exporter.getByRole('link', { name: 'Check your answers and submit' }));
    await exporter.getByRole('heading', { level: 1, name: 'Check your answers' }).waitFor();
    await exporter.getByText(LISTED).first().waitFor();
    await accessible(exporter, 'journey-check');
    await follow(exporter, exporter.getByRole('button', { name: 'Submit application' }));
    await exporter.getByText('Submitted', { exact: true }).first().waitFor();
  }],
  ['an officer takes the case and finds the screening alert a false match', async () => {
    await signIn(officer, 'officer@authority.example');
    await officer.goto(caseUrl);
    await follow(officer, officer.getByRole('button', { name: 'Assign this case to me' }));
    const alert = officer.locator('article.alert-card', { hasText: LISTED });
    await alert.waitFor();
    await accessible(officer, 'journey-alert');
    await alert.getByLabel('False match: a different party').check();
    await alert.getByLabel('Reason').fill('Different company: the consignee is a freight agent registered in 2019, not the listed investment group.');
    await follow(officer, alert.getByRole('button', { name: 'Record finding' }));
    await officer.locator('article.alert-card', { hasText: LISTED }).getByText('Finding:').waitFor();
  }],
  ['the officer records the risk assessment and recommends approval with conditions', async () => {
    await follow(officer, officer.getByRole('button', { name: 'Run and record the risk assessment' }));
    await officer.getByRole('heading', { level: 3, name: 'What the score is made of' }).waitFor();
    await officer.getByLabel('Approve with conditions').first().check();
    await officer.getByLabel('Reasoning (for the approver; not published)').fill('Judicial oversight in place; conditions limit use to border control.');
    await officer.locator('#rec-conditions-text').fill('Use limited to border control points\nPost-shipment verification within 90 days');
    await follow(officer, officer.getByRole('button', { name: 'Record recommendation' }));
    await officer.getByText('Another approver must decide').waitFor();
    await accessible(officer, 'journey-recommended');
  }],
  ['the assessor records the HRIA', async () => {
    const assessor = await session();
    await signIn(assessor, 'assessor@authority.example');
    await assessor.goto(caseUrl);
    const form = assessor.locator('form#hria');
    for (const ta of await form.locator('textarea').all()) {
      await ta.fill('Assessed against the destination record and the item: ' + (await ta.getAttribute('name')).replaceAll('_', ' ') + '.');
    }
    await follow(assessor, form.getByRole('button', { name: 'Record the HRIA' }));
    await assessor.getByText('Recorded by Lena Fischer').waitFor();
    await accessible(assessor, 'journey-hria');
  }],
  ['the drafting officer has no decide button; an approver decides with conditions', async () => {
    await officer.goto(caseUrl);
    assert.equal(await officer.getByRole('button', { name: 'Record decision' }).count(), 0);
    const approver = await session();
    await signIn(approver, 'approver@authority.example');
    await approver.goto(caseUrl);
    const form = approver.locator('form#decide');
    await form.getByLabel('Approve with conditions').check();
    await form.getByLabel('Public rationale (published on the register)').fill(`Licence granted for border control only (${stamp}).`);
    await form.getByLabel('Conditions, one per line').fill('Use limited to border control points\nPost-shipment verification within 90 days');
    await follow(approver, form.getByRole('button', { name: 'Record decision' }));
    await approver.getByText(/Approve with conditions on /).first().waitFor();
    await accessible(approver, 'journey-decided');
  }],
  ['the decision is on the public register and in its CSV', async () => {
    const pub = await session();
    await pub.goto(`${base}/register?q=${stamp}`);
    const row = pub.locator('table tbody tr', { hasText: 'Norway' }).first();
    await row.waitFor();
    const csv = await (await pub.request.get(`${base}/register/decisions.csv?q=${stamp}`)).text();
    assert.match(csv, new RegExp(`border control only \\(${stamp}\\)`));
    assert.match(csv, /Post-shipment verification within 90 days/);
  }],
  ['nothing was requested from another site', async () => {
    assert.deepEqual(foreign, []);
  }],
];

await run(checks);
