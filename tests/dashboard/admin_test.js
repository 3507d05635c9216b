// The dashboard's Administration area in a real browser (Debian's headless Chromium, playwright-core),
// with a real kiosk binary:
//   node admin_test.js BASE_URL USERS_JSON SCREENSHOT_DIR WORK_DIR KIOSK_BINARY CA_FILE
// As the administrator: a unit refused with an empty name (the message next to the field), then made; an
// enrolment code made for it and its printable sheet opened (a PDF of it goes to WORK_DIR); the kiosk
// binary enrolled with the code from the sheet (the store publishes its survey to every unit), answers
// synced; the kiosk in the list with its last contact and survey; revoked after a confirmation, and then
// the kiosk's next sync is refused with 401. As the analyst and the unit leader: 403 for the area's pages
// and for a form posted directly with their own session's CSRF token. Screenshots (admin-*.png) go to
// SCREENSHOT_DIR. Exits 1 with every failure listed.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync, spawnSync } = require('child_process');
const { chromium } = require('playwright-core');

const [base, usersFile, shotDir, workDir, kiosk, caFile] = process.argv.slice(2);
if (!caFile) {
  console.error('usage: node admin_test.js BASE_URL USERS_JSON SCREENSHOT_DIR WORK_DIR KIOSK_BINARY CA_FILE');
  process.exit(2);
}
const users = JSON.parse(fs.readFileSync(usersFile, 'utf8'));
const failures = [];
let checks = 0;
function check(condition, message) {
  checks += 1;
  if (!condition) failures.push(message);
}
const UNIT = { id: 'skovly', name: 'Plejecenter Skovly', group: 'Plejecentre' };

async function screenshot(page, name) {
  await page.screenshot({ path: path.join(shotDir, `admin-${name}.png`), fullPage: true });
}
const text = async (page, selector) => ((await page.locator(selector).first().textContent()) || '').trim();

async function signIn(browser, account) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'da-DK', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.fill('#l-user', account.name);
  await page.fill('#l-password', account.password);
  await Promise.all([page.waitForNavigation(), page.click('.login-form button')]);
  return page;
}

// The kiosk binary, with IT's defaults kept away from this machine's /etc.
function runKiosk(args) {
  return spawnSync(kiosk, args, { encoding: 'utf8', env: { ...process.env, SVARBOKS_DEFAULTS: path.join(workDir, 'no-defaults.json') } });
}

async function administrator(browser) {
  const page = await signIn(browser, users.administrator);
  check(await page.locator('nav a[href="/admin"]').count() === 1, 'the administrator has no Administration link in the navigation');
  await Promise.all([page.waitForNavigation(), page.click('nav a[href="/admin"]')]);
  check(new URL(page.url()).pathname === '/admin/units', `Administration opened ${page.url()}`);

  // A refused input: the form again, the message next to the field, what was typed kept.
  await page.fill('#add-id', UNIT.id);
  await page.fill('#add-name', '');
  await page.selectOption('#add-group', UNIT.group);
  await Promise.all([page.waitForNavigation(), page.click('.admin-form button')]);
  check((await text(page, '#add-name-error')) === 'Skriv et navn.', `an empty name said "${await text(page, '#add-name-error')}"`);
  check(await page.inputValue('#add-id') === UNIT.id, 'the refused form lost the typed id');
  check(await page.getAttribute('#add-name', 'aria-invalid') === 'true', 'the empty name is not marked invalid');
  await screenshot(page, 'units-error');

  await page.fill('#add-name', UNIT.name);
  await Promise.all([page.waitForNavigation(), page.click('.admin-form button')]);
  check(new URL(page.url()).pathname === '/admin/units', `adding went to ${page.url()}`);
  check((await text(page, 'p[role="status"]')) === `Enheden ${UNIT.id} er tilføjet.`, 'no message that the unit was added');
  const row = page.locator('#units tbody tr', { hasText: UNIT.name });
  check(await row.count() === 1, 'the new unit is not in the list');
  check((await row.locator('td').nth(1).textContent()) === UNIT.group, 'the new unit is not in its group');
  await screenshot(page, 'units');

  // The unit's page, then a code for it, and its sheet.
  await Promise.all([page.waitForNavigation(), row.locator('a').click()]);
  check((await text(page, 'h1')) === `Enhed: ${UNIT.name}`, `the unit page is "${await text(page, 'h1')}"`);
  await screenshot(page, 'unit');
  await Promise.all([page.waitForNavigation(), page.click(`a[href="/admin/code?unit=${UNIT.id}"]`)]);
  check(await page.inputValue('#code-unit') === UNIT.id, 'the code form did not preselect the unit');
  await page.selectOption('#code-expires', '1d');
  await screenshot(page, 'code');
  await Promise.all([page.waitForNavigation(), page.click('.admin-form button')]);
  check(new URL(page.url()).pathname === '/admin/code/sheet', `making a code went to ${page.url()}`);
  const code = await text(page, '#code');
  check(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/.test(code), `the sheet's code reads "${code}"`);
  check((await page.locator('main').textContent()).includes(base), 'the sheet does not give the endpoint');
  check(await page.locator('svg.qr path').count() === 1, 'the sheet has no QR code');
  check(await page.locator('ol.steps li').count() === 5, 'the sheet does not list the steps');
  await screenshot(page, 'code-sheet');
  await page.emulateMedia({ media: 'print' });
  check(!(await page.locator('header.top').isVisible()), 'the printed sheet shows the navigation');
  await page.pdf({ path: path.join(workDir, 'code-sheet.pdf'), format: 'A4' });
  await page.emulateMedia({ media: 'screen' });

  // A real kiosk enrols with the code from the sheet and syncs.
  const config = path.join(workDir, 'kiosk', 'kiosk.json');
  let run = runKiosk(['config', 'init', '--config', config, '--unit', 'Skovly']);
  check(run.status === 0, `svarboks config init failed: ${run.stderr}`);
  run = runKiosk(['enroll', code, '--endpoint', base, '--ca', caFile, '--config', config]);
  check(run.status === 0, `svarboks enroll with the sheet's code failed (${run.status}): ${run.stdout}${run.stderr}`);
  run = runKiosk(['simulate', '3', '--seed', '16', '--config', config, '--into-production-outbox']);
  check(run.status === 0, `svarboks simulate failed: ${run.stderr}`);
  run = runKiosk(['sync', '--config', config]);
  check(run.status === 0, `the enrolled kiosk's sync failed: ${run.stderr}`);
  const deviceId = JSON.parse(fs.readFileSync(config, 'utf8')).device_id;
  check(typeof deviceId === 'string' && deviceId.length > 0, 'the kiosk has no device id after enrolling');

  // The kiosk in the list, then revoked after a confirmation.
  await page.goto(`${base}/admin/kiosks`);
  const kioskRow = page.locator('#kiosks tbody tr', { hasText: deviceId });
  check(await kioskRow.count() === 1, 'the enrolled kiosk is not in the list');
  const cells = await kioskRow.locator('td').allTextContents();
  check(cells[1] === UNIT.name, `the kiosk's unit reads "${cells[1]}"`);
  check(/^\d{4}-\d{2}-\d{2}$/.test(cells[3]), `the kiosk's last contact reads "${cells[3]}"`);
  check(cells[4].startsWith('digital-kompetence '), `the kiosk's survey reads "${cells[4]}"`);
  await screenshot(page, 'kiosks');
  await Promise.all([page.waitForNavigation(), kioskRow.locator('a').click()]);
  check((await text(page, 'h1')) === 'Tilbagekald kiosken?', `the confirmation is "${await text(page, 'h1')}"`);
  await screenshot(page, 'kiosk-revoke');
  await Promise.all([page.waitForNavigation(), page.click('form.confirm button')]);
  check((await text(page, 'p[role="status"]')) === `Kiosken ${deviceId} er tilbagekaldt.`, 'no message that the kiosk was revoked');
  check((await page.locator('#kiosks tbody tr', { hasText: deviceId }).locator('td').nth(5).textContent()) === 'Tilbagekaldt',
    'the revoked kiosk is not shown as revoked');

  // Its next sync is refused: 401, and the kiosk says so.
  runKiosk(['simulate', '1', '--seed', '17', '--config', config, '--into-production-outbox']);
  run = runKiosk(['sync', '--config', config]);
  check(run.status === 1, `the revoked kiosk's sync exited ${run.status}`);
  check(run.stderr.includes('401'), `the revoked kiosk's sync did not report the refused token: ${run.stderr}`);
  const status = JSON.parse(runKiosk(['status', '--json', '--config', config]).stdout);
  check(status.state === 'paused' && status.last_result.includes('401'), `the kiosk's status does not say its token was refused: ${JSON.stringify(status)}`);

  // In English, and the audit log names who did what.
  await page.goto(`${base}/language?to=en&return=${encodeURIComponent('/admin/units')}`);
  check((await text(page, 'h1')) === 'Units', `the English units page is "${await text(page, 'h1')}"`);
  await page.goto(`${base}/audit`);
  const audit = await page.locator('#audit').textContent();
  for (const action of ['add-unit', 'make-enrolment-code', 'revoke-kiosk']) check(audit.includes(action), `the audit log has no ${action}`);
  check(!audit.includes(code), 'the audit log holds the enrolment code');
  await page.context().close();
}

// Another role: 403 for every page of the area, and for a form posted with its own valid CSRF token.
async function refused(browser, account, who) {
  const page = await signIn(browser, account);
  check(await page.locator('nav a[href="/admin"]').count() === 0, `${who} sees the Administration link`);
  const csrf = await page.getAttribute('input[name="csrf"]', 'value');
  for (const target of ['/admin', '/admin/units', '/admin/unit?id=solhoj', '/admin/kiosks', '/admin/code', '/admin/unit/retire?id=solhoj']) {
    const response = await page.goto(`${base}${target}`);
    check(response.status() === 403, `${who}: ${target} answered ${response.status()}`);
  }
  for (const [target, form] of [['/admin/units/add', { id: 'stjaalet', name: 'X' }], ['/admin/unit/retire', { id: 'solhoj' }],
    ['/admin/code', { unit: 'solhoj', expires: '7d' }]]) {
    const response = await page.request.post(`${base}${target}`, { form: { csrf, ...form }, maxRedirects: 0 });
    check(response.status() === 403, `${who}: POST ${target} answered ${response.status()}`);
  }
  await page.context().close();
}

(async () => {
  fs.mkdirSync(workDir, { recursive: true });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    await administrator(browser);
    await refused(browser, users.analyst, 'the analyst');
    await refused(browser, users.unit_leader, 'the unit leader');
  } catch (error) {
    failures.push(`stopped: ${error.stack}`);
  } finally {
    await browser.close();
  }
  if (failures.length > 0) {
    console.error(`admin_test: ${failures.length} of ${checks} checks failed:\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`admin_test: ${checks} checks passed`);
})();
