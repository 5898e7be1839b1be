// Public participation in rule-making, with the real binary, in the browser: anyone finds the
// consultations from the register, reads a proposal's difference and comments without an account
// (an empty comment is refused naming the field) → an administrator publishes the held comments on
// the rule-making page → the comment is on the public page → an approver proposes a new embargo
// list (the unchanged text is refused: it needs a new version) and cannot adopt it before its
// period ends → the adopted demo rule is a rule_change record on the register → `oversight verify`
// accepts the log. Every page is checked with axe-core at desktop and phone width, with a
// screenshot. Run by scripts/e2e.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { accessible, base, follow, foreign, run, screens, session, signIn } from './lib.mjs';

const visitor = await session();
let proposalUrl, reference;

const checks = [
  ['anyone finds the consultations from the register and reads a proposal with its difference', async () => {
    await visitor.goto(`${base}/register`);
    await follow(visitor, visitor.getByRole('link', { name: 'Consultations on rules' }));
    assert.equal(new URL(visitor.url()).pathname, '/consultations');
    await visitor.getByRole('heading', { name: 'Rules in force' }).waitFor();
    await accessible(visitor, 'consultations');
    await follow(visitor, visitor.getByRole('link', { name: /Lower the threshold of the high-risk band/ }));
    proposalUrl = visitor.url();
    reference = proposalUrl.split('/').pop();
    assert.match(reference, /^P-[0-9A-F]{12}$/);
    const diff = (await visitor.locator('table.diff').allTextContents()).join('\n');
    assert.match(diff, /high = 50\.0/);
    assert.match(diff, /high = 45\.0/);
    assert.doesNotMatch(await visitor.locator('main').textContent(), /Why 45 and not 40/, 'a held comment is not shown');
    await accessible(visitor, 'consultation');
  }],
  ['anyone comments without an account; an empty comment is refused naming the field', async () => {
    await visitor.goto(proposalUrl);
    await follow(visitor, visitor.getByRole('button', { name: 'Send the comment' }));
    await visitor.getByRole('alert').getByText(/Text: must not be empty/).waitFor();
    await accessible(visitor, 'consultation-error');
    await visitor.getByLabel('Your comment').fill('Please publish the list of destinations whose band changes.');
    await visitor.getByLabel('Name to publish it under (optional)').fill('Open Rights Collective');
    await visitor.getByLabel('How to reach you (optional, never published)').fill('collective@example.org');
    await follow(visitor, visitor.getByRole('button', { name: 'Send the comment' }));
    await visitor.getByRole('status').getByText(/held for moderation/).waitFor();
    assert.doesNotMatch(await visitor.locator('main').textContent(), /destinations whose band changes/);
    await accessible(visitor, 'consultation-received');
  }],
  ['an administrator publishes the held comments on the rule-making page; the comment is public', async () => {
    const admin = await session();
    await signIn(admin, 'admin@authority.example');
    await follow(admin, admin.getByRole('link', { name: 'Rule-making' }));
    await accessible(admin, 'rule-making-admin');
    const card = admin.locator('article', { hasText: reference });
    for (;;) {
      const held = card.locator('div.held').first();
      if (await held.count() === 0) break;
      await held.getByLabel('Publish', { exact: true }).check();
      await follow(admin, held.getByRole('button', { name: 'Record the decision' }));
    }
    await visitor.goto(proposalUrl);
    const text = await visitor.locator('main').textContent();
    assert.match(text, /Please publish the list of destinations whose band changes/);
    assert.match(text, /Open Rights Collective/);
    assert.doesNotMatch(text, /collective@example\.org/);
  }],
  ['an approver proposes a new embargo list; the unchanged text is refused; it cannot be adopted in its period', async () => {
    const approver = await session();
    await signIn(approver, 'approver@authority.example');
    await follow(approver, approver.getByRole('link', { name: 'Rule-making' }));
    await accessible(approver, 'rule-making-approver');
    await follow(approver, approver.getByRole('link', { name: /new version of embargo list/ }));
    await approver.getByLabel('Title').fill('Add the embargo on South Sudan');
    await approver.getByLabel('Explanation (why the change; published)').fill('The UN arms embargo covers communications interception equipment.');
    await follow(approver, approver.getByRole('button', { name: 'Publish the proposal' }));
    await approver.getByRole('alert').getByText(/new version/).waitFor();
    await accessible(approver, 'rule-new-error');
    const content = approver.getByLabel('Proposed text (TOML, as the rule\'s file)');
    const text = await content.inputValue();
    const next = text.replace(/^version = "(\d+)"/m, (_, v) => `version = "${Number(v) + 1}"`)
      + '\n[[embargo]]\niso3 = "SSD"\nregime = "UN Security Council arms embargo on South Sudan"\nreference = "UNSCR 2428 (2018)"\nurl = "https://www.un.org/securitycouncil/sanctions/2206"\n';
    await content.fill(next);
    await follow(approver, approver.getByRole('button', { name: 'Publish the proposal' }));
    assert.match(approver.url(), /\/consultations\/P-[0-9A-F]{12}$/);
    assert.match(await approver.locator('table.diff').last().textContent(), /SSD/);
    const mine = approver.url().split('/').pop();
    await approver.goto(`${base}/rule-making`);
    const card = approver.locator('article', { hasText: mine });
    await card.getByText('The rule can be adopted once the comment period is over.').waitFor();
    assert.equal(await card.getByRole('button', { name: /adopt the rule/ }).count(), 0);
  }],
  ['the adopted rule, with the response, is a rule_change record on the register', async () => {
    await visitor.goto(`${base}/consultations`);
    await follow(visitor, visitor.getByRole('link', { name: /Add the EU embargo on Myanmar/ }));
    await visitor.getByRole('heading', { name: "The authority's response to the comments" }).waitFor();
    assert.match(await visitor.locator('main').textContent(), /Advertising, not a comment on the proposal/);
    await accessible(visitor, 'consultation-adopted');
    await visitor.goto(`${base}/register?outcome=rule_change`);
    assert.match(await visitor.locator('main').textContent(), /Adopted the embargo list version 2/);
    await accessible(visitor, 'register-rule-change');
  }],
  ['oversight verify accepts the log', async () => {
    const bin = process.env.OVERSIGHT_BIN;
    assert.ok(bin, 'scripts/e2e sets OVERSIGHT_BIN');
    const state = path.join(screens, '..', 'verify-state-rules.json');
    const out = execFileSync(bin, ['verify', '--url', base, '--state', state], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.match(out, /^OK: log .* verified at size \d+/, out);
  }],
  ['no request left the server', async () => {
    assert.deepEqual(foreign, []);
  }],
];

await run(checks);
