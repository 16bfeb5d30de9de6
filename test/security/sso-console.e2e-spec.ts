import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { DataSource } from 'typeorm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AccessGrantStore } from '@idsync/platform';
import type { TestUser } from '../support/local-oidc-provider';
import { assertBasicAccessibility, launchChromium } from '../console/console-browser';
import { startSsoStack, USERS, type AuditRow, type SsoStack } from './sso-support';

// The operator console's single sign-on in a real headless Chromium: the console's "Sign in with
// SSO" → the local identity provider's login form → back at the console with a session whose
// roles come from the person's groups (and JIT grants); people without MFA or without a mapped
// group are refused with a page that says why, and every outcome is audited.

describe('console single sign-on (headless Chromium, local OIDC provider)', () => {
  let stack: SsoStack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    [browser, stack] = await Promise.all([launchChromium(), startSsoStack()]);
  });

  after(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await stack?.close();
  });

  /** A fresh browser (no cookies) at the console's sign-in form, through SSO and the IdP's login form. */
  async function signInWithSso(user: TestUser, startAt = '/console/audit'): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${stack.url}${startAt}`);
    assert.match(new URL(page.url()).pathname, /^\/console\/login$/);
    await page.getByRole('link', { name: 'Sign in with SSO' }).click();
    await page.waitForURL((u) => u.origin === stack.idp.issuer);
    await page.getByLabel('Username').fill(user.id);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Back at the console's callback (callers wait for where it leads: the page asked for, or a refusal).
    await page.waitForURL((u) => u.origin === stack.url, { waitUntil: 'commit' });
    return page;
  }

  async function auditRows(actorId: string): Promise<AuditRow[]> {
    const db = new pg.Client({ connectionString: stack.db.url });
    await db.connect();
    try {
      const { rows } = await db.query<AuditRow>(`SELECT actor_type, actor_id, action, outcome, details FROM audit_log WHERE action = 'console.sso_sign_in' AND actor_id = $1 ORDER BY id`, [actorId]);
      return rows;
    } finally {
      await db.end();
    }
  }

  it('offers SSO on the sign-in form, signs an operator in, shows who they are and lets them operate', async () => {
    const page = await signInWithSso(USERS.operator);
    await page.waitForURL((u) => u.pathname === '/console/audit');
    const subject = stack.subjectOf(USERS.operator);
    const signedInAs = page.locator('#signed-in-as');
    assert.match((await signedInAs.textContent()) ?? '', new RegExp(`Signed in as ${USERS.operator.id}`));
    assert.ok(((await signedInAs.textContent()) ?? '').includes(subject), 'the header shows the IdP subject');
    await assertBasicAccessibility(page);

    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'idsync_console_session');
    assert.ok(session, 'a console session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.ok(!cookies.some((c) => c.name === 'idsync_console_sso' && c.value !== ''), 'the flow cookie is cleared after use');

    // console:operate — the Verify button of the audit page.
    await page.getByRole('button', { name: 'Verify now' }).click();
    await page.waitForURL((u) => u.pathname === '/console/audit');
    assert.equal(await page.getByRole('alert').count(), 0, 'no error page');

    const [record] = await auditRows(subject);
    assert.equal(record.outcome, 'success');
    assert.equal(record.actor_type, 'admin');
    assert.deepEqual(record.details.consoleRoles, ['console:read', 'console:operate']);
    assert.doesNotMatch(JSON.stringify(record), /example\.test/, 'no email in the audit record');

    // Sign out: back at the form; the old cookie no longer opens the console.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((u) => u.pathname === '/console/login');
    const old = await fetch(`${stack.url}/console`, { redirect: 'manual', headers: { cookie: `idsync_console_session=${session.value}` } });
    assert.equal(old.status, 303);
  });

  it('gives an auditor read-only console roles, and a JIT operator grant to their subject lets them operate', async () => {
    const page = await signInWithSso(USERS.auditor);
    await page.waitForURL((u) => u.pathname === '/console/audit');
    assert.equal(await page.getByRole('button', { name: 'Verify now' }).count(), 0, 'no Verify button without console:operate');
    const csrf = await page.locator('form.signout input[name="_csrf"]').getAttribute('value');
    const refused = await page.context().request.post(`${stack.url}/console/audit/verify`, { form: { _csrf: csrf ?? '' }, maxRedirects: 0 });
    assert.equal(refused.status(), 403);
    assert.match(await refused.text(), /needs the console:operate role/);

    await new AccessGrantStore(stack.app.get(DataSource)).grant(
      { subject: stack.subjectOf(USERS.auditor), role: 'operator', tenantId: null, reason: 'on call', durationMs: 2 * 3_600_000 },
      { actorType: 'cli', actorId: 'cli:test' },
    );
    // Console roles are fixed at sign-in: the grant applies from the next SSO sign-in.
    const elevated = await signInWithSso(USERS.auditor);
    await elevated.waitForURL((u) => u.pathname === '/console/audit');
    await elevated.getByRole('button', { name: 'Verify now' }).waitFor();
    const records = await auditRows(stack.subjectOf(USERS.auditor));
    assert.deepEqual(records.at(-1)?.details.roles, ['auditor', 'operator']);
  });

  it('refuses a sign-in without multi-factor authentication, with a page that says so, audited', async () => {
    const page = await signInWithSso(USERS.noMfa);
    await page.waitForURL((u) => u.pathname === '/console/sso/callback');
    await page.getByRole('alert').filter({ hasText: 'multi-factor' }).waitFor();
    await assertBasicAccessibility(page);
    assert.ok(!(await page.context().cookies()).some((c) => c.name === 'idsync_console_session'), 'no session');
    const [record] = await auditRows(stack.subjectOf(USERS.noMfa));
    assert.equal(record.outcome, 'failure');
    assert.equal(record.details.reason, 'mfa-required');
  });

  it('refuses a person whose groups map to no idsync role, audited', async () => {
    const page = await signInWithSso(USERS.unmapped);
    await page.waitForURL((u) => u.pathname === '/console/sso/callback');
    await page.getByRole('alert').filter({ hasText: 'none of your groups' }).waitFor();
    const [record] = await auditRows(stack.subjectOf(USERS.unmapped));
    assert.equal(record.details.reason, 'no-mapped-group');
    const home = await page.context().request.get(`${stack.url}/console`, { maxRedirects: 0 });
    assert.equal(home.status(), 303, 'still signed out');
  });

  it('refuses a callback that this browser did not start (forged or replayed state)', async () => {
    const res = await fetch(`${stack.url}/console/sso/callback?code=stolen&state=guessed`, { redirect: 'manual' });
    assert.equal(res.status, 403);
    assert.match(await res.text(), /not started here/);
    assert.equal(res.headers.getSetCookie().filter((c) => c.startsWith('idsync_console_session=')).length, 0);
  });
});
