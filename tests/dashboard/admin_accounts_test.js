// The Administration area's accounts in a real browser (Debian's headless Chromium, playwright-core):
//   node admin_accounts_test.js BASE_URL USERS_JSON SCREENSHOT_DIR
// As the administrator: a unit leader refused without a unit (the message next to the field), then added
// with a one-time password, shown once. The new account signs in, is made to choose its own password
// (a mismatch refused next to the field), and sees the overview. Then: disabled after a confirmation (its
// open page is signed out, and it cannot sign in), enabled, its password reset (the new one shown once,
// the old one refused), locked by wrong passwords and unlocked, its role changed, and removed. The
// administrator cannot disable themselves. Every change is in the audit log, no password is. As the
// analyst and the unit leader: 403 for every page of the area and for every form posted directly with
// their own session's CSRF token. Screenshots (admin-accounts*.png, admin-account-*.png) go
// to SCREENSHOT_DIR. Exits 1 with every failure listed.
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const [base, usersFile, shotDir] = process.argv.slice(2);
if (!shotDir) {
  console.error('usage: node admin_accounts_test.js BASE_URL USERS_JSON SCREENSHOT_DIR');
  process.exit(2);
}
const users = JSON.parse(fs.readFileSync(usersFile, 'utf8'));
const failures = [];
let checks = 0;
function check(condition, message) {
  checks += 1;
  if (!condition) failures.push(message);
}
const NEW = { name: 'mette', unit: 'solhoj', unitName: 'Plejecenter Solhøj', own: 'mettes egen lange adgangskode' };

async function screenshot(page, name) {
  await page.screenshot({ path: path.join(shotDir, `${name}.png`), fullPage: true });
}
const text = async (page, selector) => ((await page.locator(selector).first().textContent()) || '').trim();
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

// Submits the login form; waits out the per-address throttle (429) that the earlier tests' sign-ins may
// have used up. Returns the status of the answer.
async function submitLogin(page, name, password) {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    await page.goto(`${base}/login`);
    await page.fill('#l-user', name);
    await page.fill('#l-password', password);
    const [response] = await Promise.all([page.waitForNavigation(), page.click('.login-form button')]);
    const status = response.request().redirectedFrom() ? 303 : response.status();
    if (status !== 429) return status;
    await sleep(1000 * Number((await response.headerValue('retry-after')) || '6'));
  }
  return 429;
}

async function newPage(browser) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'da-DK', viewport: { width: 1280, height: 900 } });
  return context.newPage();
}

async function clickAndWait(page, selector) {
  const [response] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
  return response;
}

async function openAccount(page, name) {
  await page.goto(`${base}/admin/accounts`);
  await clickAndWait(page, `#accounts a[href="/admin/account?name=${name}"]`);
}

async function walk(browser) {
  const admin = await newPage(browser);
  check(await submitLogin(admin, users.administrator.name, users.administrator.password) === 303, 'the administrator could not sign in');
  await admin.goto(`${base}/admin/units`);
  await clickAndWait(admin, '.admin-nav a[href="/admin/accounts"]');
  check((await text(admin, 'h1')) === 'Konti', `the accounts page is "${await text(admin, 'h1')}"`);
  const rows = await admin.locator('#accounts tbody tr').count();
  check(rows === 3, `the list shows ${rows} accounts, not anna, ali and lea`);
  check((await admin.locator('#accounts tbody tr', { hasText: 'lea' }).locator('td').nth(1).textContent()) === 'Hjemmeplejen',
    'the unit leader\'s group is not in the list');
  check(!(await admin.locator('main').textContent()).includes(users.analyst.password), 'the list shows a password');
  await screenshot(admin, 'admin-accounts');

  // A unit leader without a unit: refused next to the field, what was typed kept.
  await admin.fill('#add-name', NEW.name);
  await admin.selectOption('#add-role', 'unit-leader');
  await clickAndWait(admin, 'form[action="/admin/accounts/add"] button');
  check((await text(admin, '#add-scope-error')).startsWith('En enhedsleder skal have mindst én enhed eller gruppe.'),
    `a unit leader without units said "${await text(admin, '#add-scope-error')}"`);
  check(await admin.inputValue('#add-name') === NEW.name, 'the refused form lost the typed name');
  check(await admin.getAttribute('#add-scope', 'aria-describedby') === 'add-scope-error', 'the units and groups are not tied to their error');
  await screenshot(admin, 'admin-accounts-error');

  // Added with a one-time password, shown once.
  await admin.check(`#add-scope input[name="unit"][value="${NEW.unit}"]`);
  check(await admin.isChecked('#add-password-onetime'), 'the one-time password is not the default');
  await clickAndWait(admin, 'form[action="/admin/accounts/add"] button');
  const shownUrl = admin.url();
  check(new URL(shownUrl).pathname === '/admin/accounts/password', `adding went to ${shownUrl}`);
  const oneTime = await text(admin, '#password');
  check(/^[a-z0-9]{5}(-[a-z0-9]{5}){3}$/.test(oneTime), `the shown password reads "${oneTime}"`);
  check((await admin.locator('main').textContent()).includes('Det er en engangsadgangskode'), 'the page does not say the password is one-time');
  await screenshot(admin, 'admin-accounts-password');
  const again = await admin.goto(shownUrl);
  check(again.status() === 404, `the password page opened twice answered ${again.status()}`);
  check(!(await admin.locator('main').textContent()).includes(oneTime), 'the password was shown twice');

  // Mette signs in with it and must choose her own first.
  const mette = await newPage(browser);
  check(await submitLogin(mette, NEW.name, oneTime) === 303, 'the new account could not sign in with its one-time password');
  check(new URL(mette.url()).pathname === '/account/password', `the first sign-in went to ${mette.url()}, not the password page`);
  check((await text(mette, 'main p[role="status"]')).startsWith('Du er logget ind med en engangsadgangskode.'), 'the first sign-in does not say why');
  await mette.goto(`${base}/compare`);
  check(new URL(mette.url()).pathname === '/account/password', 'another page could be opened before choosing a password');
  await mette.fill('#pw-current', oneTime);
  await mette.fill('#pw-new', NEW.own);
  await mette.fill('#pw-again', `${NEW.own}!`);
  await clickAndWait(mette, 'form[action="/account/password"] button');
  check((await text(mette, '#pw-again-error')) === 'De to nye adgangskoder er ikke ens. Skriv den samme to gange.',
    `a mismatch said "${await text(mette, '#pw-again-error')}"`);
  check(await mette.getAttribute('#pw-again', 'aria-invalid') === 'true', 'the mismatch is not marked invalid');
  check(await mette.inputValue('#pw-new') === '', 'a refused password form kept a password');
  await screenshot(mette, 'admin-accounts-first-sign-in');
  await mette.fill('#pw-current', oneTime);
  await mette.fill('#pw-new', NEW.own);
  await mette.fill('#pw-again', NEW.own);
  await clickAndWait(mette, 'form[action="/account/password"] button');
  check((await text(mette, 'p[role="status"]')) === 'Din adgangskode er skiftet.', 'no message that the password was changed');
  await mette.goto(`${base}/`);
  check(new URL(mette.url()).pathname === '/', `after choosing a password the overview went to ${mette.url()}`);
  check(await mette.locator('nav a[href="/admin"]').count() === 0, 'the unit leader sees the Administration link');

  // The account page, then disable (asked first): Mette's open page is signed out and she cannot sign in.
  await openAccount(admin, NEW.name);
  check((await text(admin, 'h1')) === `Konto: ${NEW.name}`, `the account page is "${await text(admin, 'h1')}"`);
  check((await text(admin, '.facts dd:nth-of-type(2)')) === NEW.unitName, 'the account page does not show the unit');
  check((await text(admin, '.facts dd:nth-of-type(4)')) !== 'aldrig', 'the account page does not show the last sign-in');
  await screenshot(admin, 'admin-account');
  await clickAndWait(admin, `a[href="/admin/account/disable?name=${NEW.name}"]`);
  check((await text(admin, 'h1')) === `Deaktivere ${NEW.name}?`, `the confirmation is "${await text(admin, 'h1')}"`);
  await screenshot(admin, 'admin-account-disable');
  await clickAndWait(admin, 'form.confirm button');
  check((await text(admin, 'p[role="status"]')) === `${NEW.name} er deaktiveret og logget ud.`, 'no message that the account was disabled');
  check((await text(admin, '#state')).startsWith('Deaktiveret'), `the state reads "${await text(admin, '#state')}"`);
  await mette.goto(`${base}/`);
  check(new URL(mette.url()).pathname === '/login', `the disabled account's page went to ${mette.url()}, not the login`);
  check(await submitLogin(mette, NEW.name, NEW.own) === 403, 'the disabled account could sign in');

  // Enabled: she signs in again.
  await clickAndWait(admin, 'form[action="/admin/account/enable"] button');
  check((await text(admin, 'p[role="status"]')) === `${NEW.name} er aktiveret og kan logge ind igen.`, 'no message that the account was enabled');
  check(await submitLogin(mette, NEW.name, NEW.own) === 303, 'the enabled account could not sign in');

  // Reset: a new one-time password shown once; the old one stops working, the new one leads to the password page.
  await clickAndWait(admin, `a[href="/admin/account/reset?name=${NEW.name}"]`);
  check((await text(admin, 'h1')) === `Nulstille adgangskoden til ${NEW.name}?`, `the reset confirmation is "${await text(admin, 'h1')}"`);
  await clickAndWait(admin, 'form.confirm button');
  const reset = await text(admin, '#password');
  check(/^[a-z0-9]{5}(-[a-z0-9]{5}){3}$/.test(reset) && reset !== oneTime, `the reset password reads "${reset}"`);
  await mette.goto(`${base}/`);
  check(new URL(mette.url()).pathname === '/login', 'the reset did not sign the account out');
  check(await submitLogin(mette, NEW.name, NEW.own) === 403, 'the old password still works after the reset');

  // Locked by wrong passwords, then unlocked: the reset password works again.
  for (let i = 0; i < 5; i += 1) await submitLogin(mette, NEW.name, 'forkert adgangskode');
  check(await submitLogin(mette, NEW.name, reset) === 403, 'the account is not locked after five wrong passwords');
  await openAccount(admin, NEW.name);
  check((await text(admin, '#state')).includes('låst til'), `the locked account's state reads "${await text(admin, '#state')}"`);
  await screenshot(admin, 'admin-account-locked');
  await clickAndWait(admin, 'form[action="/admin/account/unlock"] button');
  check((await text(admin, 'p[role="status"]')) === `${NEW.name} er låst op og kan logge ind igen.`, 'no message that the account was unlocked');
  check(await submitLogin(mette, NEW.name, reset) === 303, 'the unlocked account could not sign in with the reset password');
  check(new URL(mette.url()).pathname === '/account/password', 'the reset password did not lead to choosing a new one');

  // The role: to analyst, then removed after a confirmation.
  await admin.selectOption('#role-role', 'analyst');
  await admin.uncheck(`#role-scope input[name="unit"][value="${NEW.unit}"]`);
  await clickAndWait(admin, 'form[action="/admin/account/role"] button');
  check((await text(admin, 'p[role="status"]')).startsWith(`Rollen for ${NEW.name} er ændret.`), 'no message that the role was changed');
  check((await text(admin, '.facts dd')) === 'Analytiker', `the role reads "${await text(admin, '.facts dd')}"`);
  await clickAndWait(admin, `a[href="/admin/account/remove?name=${NEW.name}"]`);
  await clickAndWait(admin, 'form.confirm button');
  check((await text(admin, 'p[role="status"]')) === `Kontoen ${NEW.name} er fjernet.`, 'no message that the account was removed');
  check(await admin.locator('#accounts tbody tr', { hasText: NEW.name }).count() === 0, 'the removed account is still listed');

  // The administrator cannot disable themselves.
  await admin.goto(`${base}/admin/account/disable?name=${users.administrator.name}`);
  await clickAndWait(admin, 'form.confirm button');
  check((await text(admin, 'main p[role="alert"]')).startsWith('Det kan du ikke gøre ved din egen konto'),
    `disabling oneself said "${await text(admin, 'main p[role="alert"]')}"`);

  // Their own password page, in English, from the header.
  await admin.goto(`${base}/language?to=en&return=${encodeURIComponent('/admin/accounts')}`);
  check((await text(admin, 'h1')) === 'Accounts', `the English accounts page is "${await text(admin, 'h1')}"`);
  await clickAndWait(admin, 'header a[href="/account/password"]');
  check((await text(admin, 'h1')) === 'Change password', `the English password page is "${await text(admin, 'h1')}"`);
  await screenshot(admin, 'admin-accounts-own-password');
  await admin.goto(`${base}/language?to=da&return=${encodeURIComponent('/audit')}`);
  const audit = await admin.locator('#audit').textContent();
  for (const action of ['add-user', 'change-password', 'disable-user', 'enable-user', 'reset-password', 'unlock-user', 'set-role', 'remove-user']) {
    check(audit.includes(action), `the audit log has no ${action}`);
  }
  for (const secret of [oneTime, reset, NEW.own]) check(!audit.includes(secret), 'the audit log holds a password');
  await admin.context().close();
  await mette.context().close();
}

// Another role: 403 for every page of the accounts area, and for each form posted with its own valid CSRF token.
async function refused(browser, account, who) {
  const page = await newPage(browser);
  check(await submitLogin(page, account.name, account.password) === 303, `${who} could not sign in`);
  const csrf = await page.getAttribute('input[name="csrf"]', 'value');
  const anna = users.administrator.name;
  for (const target of ['/admin/accounts', `/admin/account?name=${anna}`, `/admin/account/disable?name=${anna}`,
    `/admin/account/reset?name=${anna}`, `/admin/account/remove?name=${anna}`, '/admin/accounts/password?id=x']) {
    const response = await page.goto(`${base}${target}`);
    check(response.status() === 403, `${who}: ${target} answered ${response.status()}`);
  }
  for (const [target, form] of [['/admin/accounts/add', { name: 'mallory', role: 'administrator', password: 'keep' }],
    ['/admin/account/role', { name: account.name, role: 'administrator' }], ['/admin/account/disable', { name: anna }],
    ['/admin/account/enable', { name: anna }], ['/admin/account/reset', { name: anna }], ['/admin/account/unlock', { name: anna }],
    ['/admin/account/remove', { name: anna }]]) {
    const response = await page.request.post(`${base}${target}`, { form: { csrf, ...form }, maxRedirects: 0 });
    check(response.status() === 403, `${who}: POST ${target} answered ${response.status()}`);
  }
  await page.goto(`${base}/`);
  check(await page.locator('nav a[href="/admin"]').count() === 0, `${who} sees the Administration link`);
  await page.context().close();
}

(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    await walk(browser);
    await refused(browser, users.analyst, 'the analyst');
    await refused(browser, users.unit_leader, 'the unit leader');
  } catch (error) {
    failures.push(`stopped: ${error.stack}`);
  } finally {
    await browser.close();
  }
  if (failures.length > 0) {
    console.error(`admin_accounts_test: ${failures.length} of ${checks} checks failed:\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`admin_accounts_test: ${checks} checks passed`);
})();
