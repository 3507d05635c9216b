// The dashboard in a real browser: Debian's headless Chromium driven by playwright-core.
//   node dashboard_test.js BASE_URL USER PASSWORD EXPECTED_JSON SCREENSHOT_DIR ARTIFACT_DIR
// Signs in (after a wrong password fails), opens every page in Danish and English, checks the figures
// against EXPECTED_JSON (computed from the store by expected.py, not by the server's report code), checks
// that hidden figures carry no number anywhere in their cells, chart texts or the page's markup, downloads
// the report and the responses, prints a unit's report, signs out and checks that pages then need the
// login again. Screenshots of each page go to SCREENSHOT_DIR (docs/screenshots); a PDF of the printed
// report to ARTIFACT_DIR. Exits 1 with every failure listed.
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const [base, user, password, expectedFile, shotDir, artifactDir] = process.argv.slice(2);
if (!artifactDir) {
  console.error('usage: node dashboard_test.js BASE_URL USER PASSWORD EXPECTED_JSON SCREENSHOT_DIR ARTIFACT_DIR');
  process.exit(2);
}
const expected = JSON.parse(fs.readFileSync(expectedFile, 'utf8'));
const K = 5;
const WORDS = {
  da: { fewer: `færre end ${K}`, hidden: 'skjult' },
  en: { fewer: `fewer than ${K}`, hidden: 'hidden' },
};
const failures = [];
let checks = 0;
function check(condition, message) {
  checks += 1;
  if (!condition) failures.push(message);
}
const unitById = Object.fromEntries(expected.units.map((u) => [u.id, u]));
// "1.234" (da) or "1,234" (en) as a number; NaN when it is not one.
const parseCount = (text) => (/^[0-9][0-9.,]*$/.test(text.trim()) ? Number(text.trim().replace(/[.,]/g, '')) : NaN);

async function screenshot(page, name) {
  await page.screenshot({ path: path.join(shotDir, `dashboard-${name}.png`), fullPage: true });
}

// Every cell, word and chart label that stands for a hidden figure must be exactly a hidden wording:
// no digit but k's. And no chart may draw a bar for it (hidden slots are hatched, labelled, never sized).
async function checkHiddenFigures(page, lang, where) {
  const words = [WORDS[lang].fewer, WORDS[lang].hidden];
  const found = await page.$$eval('.hidden-cell, .hidden-word, text.hidden-label', (nodes) =>
    nodes.map((n) => ({ text: n.textContent.trim(), html: n.outerHTML })));
  for (const { text, html } of found) {
    check(words.includes(text), `${where}: a hidden figure reads "${text}" instead of "${words.join('" or "')}"`);
    // Geometry and colour attributes aside, nothing in the element may hold a number but k.
    const stripped = html.replace(/\s(?:class|x|y|width|height|fill|stroke|text-anchor)="[^"]*"/g, '');
    const digits = stripped.match(/[0-9]+/g) || [];
    check(digits.every((d) => d === String(K)), `${where}: a hidden figure's markup has a number: ${html}`);
  }
  return found.length;
}

async function rowsOfParticipation(page) {
  return page.$$eval('table.participation tbody tr', (rows) => rows.map((row) => ({
    kind: row.className,
    name: row.querySelector('th').textContent.trim(),
    cells: [...row.querySelectorAll('td')].map((td) => ({ text: td.textContent.trim(), hidden: td.classList.contains('hidden-cell') })),
  })));
}

async function checkOverview(page, lang) {
  const where = `overview (${lang})`;
  const rows = await rowsOfParticipation(page);
  const total = rows.find((r) => r.kind === 'row-total');
  check(total && parseCount(total.cells[0].text) === expected.total, `${where}: municipality total ${total && total.cells[0].text}, expected ${expected.total}`);
  let hiddenFewer = 0;
  let hiddenSecondary = 0;
  for (const unit of expected.units) {
    const row = rows.find((r) => r.kind === 'row-unit' && r.name === unit.name);
    check(row, `${where}: no row for ${unit.name}`);
    if (!row) continue;
    for (const cell of row.cells) {
      if (cell.hidden) {
        if (cell.text === WORDS[lang].fewer) {
          hiddenFewer += 1;
          check(unit.respondents < K, `${where}: ${unit.name} (${unit.respondents}) shown as fewer than ${K}`);
        } else {
          hiddenSecondary += 1;
        }
        check(!cell.text.includes(String(unit.respondents)), `${where}: ${unit.name}'s hidden cell contains its count`);
      } else {
        check(parseCount(cell.text) === unit.respondents, `${where}: ${unit.name} shows ${cell.text}, the store has ${unit.respondents}`);
        check(unit.respondents >= K, `${where}: ${unit.name} shows ${unit.respondents} respondents, fewer than k`);
      }
    }
  }
  // The store is made so that one unit has fewer than k and its group neighbour must be hidden too.
  check(hiddenFewer > 0, `${where}: no "fewer than ${K}" cell, although a unit has ${Math.min(...expected.units.map((u) => u.respondents))} respondents`);
  check(hiddenSecondary > 0, `${where}: no secondary "${WORDS[lang].hidden}" cell, although a hidden count could be subtracted from its group's total`);
  // Groups add up to what the store holds.
  const groups = {};
  for (const unit of expected.units) groups[unit.group] = (groups[unit.group] || 0) + unit.respondents;
  for (const row of rows.filter((r) => r.kind === 'row-group')) {
    const group = Object.keys(groups).find((g) => g === row.name) ?? '';
    if (!row.cells[0].hidden) check(parseCount(row.cells[0].text) === groups[group], `${where}: group ${row.name} shows ${row.cells[0].text}, expected ${groups[group]}`);
  }
  check(await page.locator('#kiosks tbody tr').count() === expected.units.length, `${where}: expected ${expected.units.length} kiosks listed`);
  const deadLetters = await page.locator('#dead-letters h2').textContent();
  check(deadLetters.endsWith(`: ${expected.dead_letters}`), `${where}: "${deadLetters}", the store has ${expected.dead_letters} dead letters`);
  check(await page.locator('#profile svg[role="img"] title').count() === 1, `${where}: the municipality's profile chart has no title`);
  await checkHiddenFigures(page, lang, where);
}

// The week range of the filter form, typed as a person types it: a range holding every response shows
// the same figures; a range with none hides the total; a malformed week is refused before it is sent.
async function checkWeekFilter(page, lang) {
  const where = `week filter (${lang})`;
  const first = expected.weeks[0];
  const last = expected.weeks[expected.weeks.length - 1];
  const submit = async (from, to) => {
    await page.fill('#f-from', from);
    await page.fill('#f-to', to);
    await Promise.all([page.waitForNavigation(), page.click('form.filters button')]);
  };
  await submit(first, last);
  const url = new URL(page.url());
  check(url.searchParams.get('from') === first && url.searchParams.get('to') === last, `${where}: the range was not sent: ${page.url()}`);
  check((await page.inputValue('#f-from')) === first, `${where}: the form does not keep the week typed`);
  const total = (await rowsOfParticipation(page)).find((r) => r.kind === 'row-total');
  check(total && parseCount(total.cells[0].text) === expected.total, `${where}: ${first} to ${last} shows ${total && total.cells[0].text}, expected ${expected.total}`);

  await submit('2020-W01', '2020-W10');
  const empty = (await rowsOfParticipation(page)).find((r) => r.kind === 'row-total');
  check(empty && empty.cells[0].hidden && empty.cells[0].text === WORDS[lang].fewer,
    `${where}: a range with no responses does not show its total as "${WORDS[lang].fewer}": ${empty && empty.cells.map((c) => c.text)}`);
  await checkHiddenFigures(page, lang, where);

  const before = page.url();
  await page.fill('#f-from', 'uge 5');
  await page.click('form.filters button');
  await page.waitForTimeout(300);
  check(page.url() === before, `${where}: "uge 5" was sent as a week`);
  check(await page.locator('#f-from:invalid').count() === 1, `${where}: "uge 5" is not marked as invalid`);
  await page.goto(`${base}/`);
}

async function checkUnit(page, lang, unit) {
  const where = `unit ${unit.id} (${lang})`;
  const shown = await page.locator('strong.respondents').textContent();
  if (unit.respondents < K) {
    check(shown.trim() === WORDS[lang].fewer, `${where}: respondents read "${shown}" for ${unit.respondents} respondents`);
    check(await page.locator('#questions table').count() === 0, `${where}: answer distributions shown for fewer than ${K} respondents`);
    check(await page.locator('#levels rect.segment').count() === 0, `${where}: a level bar drawn for a hidden unit`);
    // The chart's text alternative names the unit with the hidden wording, never with a figure.
    const desc = await page.locator('#profile svg desc').textContent();
    check(!/[0-9]/.test(desc.split(`${unit.name} `).slice(1).map((part) => part.slice(0, 3)).join('')),
      `${where}: the profile chart's description gives a figure for the hidden unit: ${desc}`);
  } else if (!(await page.locator('strong.respondents.hidden-word').count())) {
    check(parseCount(shown) === unit.respondents, `${where}: respondents ${shown}, the store has ${unit.respondents}`);
    // The answer distributions, against counts made from the stored answers.
    for (const question of expected.questions[unit.id]) {
      const title = lang === 'da' ? question.title_da : question.title_en;
      const block = page.locator('#questions .question', { has: page.locator('h3', { hasText: title }) }).first();
      if (!(await block.count())) {
        check(false, `${where}: no distribution for "${title}"`);
        continue;
      }
      const answered = (await block.locator('.answered').textContent()).trim();
      if (await block.locator('.hidden-word').count()) {
        const word = (await block.locator('.hidden-word').textContent()).trim();
        if (word === WORDS[lang].fewer) check(question.answered < K, `${where}: "${title}" hidden as fewer than ${K}, answered by ${question.answered}`);
        continue;
      }
      check(parseCount(answered.replace(/^\D+/, '')) === question.answered, `${where}: "${title}" ${answered}, the store has ${question.answered}`);
      const rows = await block.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => ({
        label: tr.querySelector('th').textContent.trim(), count: tr.querySelector('td').textContent.trim() })));
      for (const want of question.rows) {
        const label = lang === 'da' ? want.label_da : want.label_en;
        const row = rows.find((r) => r.label === label);
        check(row && parseCount(row.count) === want.count, `${where}: "${title}" / "${label}": ${row && row.count}, the store has ${want.count}`);
      }
    }
  }
  check(await page.locator('#profile svg[role="img"]').count() === 1, `${where}: no area profile chart`);
  check(await page.locator('#profile table.data tbody tr').count() > 0, `${where}: the profile chart has no data table`);
  await checkHiddenFigures(page, lang, where);
}

(async () => {
  fs.mkdirSync(shotDir, { recursive: true });
  fs.mkdirSync(artifactDir, { recursive: true });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  const problems = [];
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.on('console', (message) => { if (message.type() === 'error') problems.push(`console: ${message.text()}`); });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    // A request cut short by the next navigation (the tab icon, typically) is not a failure of the page.
    page.on('requestfailed', (request) => {
      if (request.failure().errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${request.url()} (${request.failure().errorText})`);
    });

    // Every page needs the login.
    let response = await page.goto(`${base}/`);
    check(new URL(page.url()).pathname === '/login', `/ without a session went to ${page.url()}, not /login`);
    const headers = response.headers();
    check((headers['content-security-policy'] || '').includes("default-src 'none'"), 'the login page has no strict Content-Security-Policy');
    check(headers['x-content-type-options'] === 'nosniff' && headers['referrer-policy'] === 'no-referrer' && headers['cache-control'] === 'no-store',
      'the login page lacks nosniff, no-referrer or no-store');
    await screenshot(page, 'login');

    // A wrong password fails, and says so without saying which part was wrong.
    await page.fill('#l-user', user);
    await page.fill('#l-password', 'not the password');
    await Promise.all([page.waitForNavigation(), page.click('.login-form button')]);
    check(new URL(page.url()).pathname === '/login', 'a wrong password did not stay on /login');
    check((await page.locator('.message.error').textContent()).includes('Forkert brugernavn eller adgangskode'), 'a wrong password shows no error');
    check((await context.cookies()).every((c) => c.name !== '__Host-svarboks_session'), 'a wrong password set a session cookie');
    problems.length = 0;  // the browser logs the refused login's 403 as an error; that one is expected

    await page.fill('#l-user', user);
    await page.fill('#l-password', password);
    await Promise.all([page.waitForNavigation(), page.click('.login-form button')]);
    check(new URL(page.url()).pathname === '/', `signing in went to ${page.url()}`);
    const session = (await context.cookies()).find((c) => c.name === '__Host-svarboks_session');
    check(session && session.secure && session.httpOnly && session.sameSite === 'Strict' && session.path === '/',
      `the session cookie is not Secure, HttpOnly, SameSite=Strict, Path=/: ${JSON.stringify(session)}`);

    for (const lang of ['da', 'en']) {
      if (lang === 'en') {
        await Promise.all([page.waitForNavigation(), page.click('a.language')]);
        check((await page.locator('html').getAttribute('lang')) === 'en', 'the language switch did not switch to English');
      }
      const suffix = lang === 'da' ? '' : '-en';
      response = await page.goto(`${base}/`);
      check(response.status() === 200, `overview (${lang}): status ${response.status()}`);
      await checkOverview(page, lang);
      await screenshot(page, `overview${suffix}`);
      if (lang === 'da') await checkWeekFilter(page, lang);

      for (const unit of expected.units) {
        response = await page.goto(`${base}/unit?id=${encodeURIComponent(unit.id)}`);
        check(response.status() === 200, `unit ${unit.id} (${lang}): status ${response.status()}`);
        await checkUnit(page, lang, unit);
        if (unit.id === 'solhoj') await screenshot(page, `unit${suffix}`);
        if (unit.id === 'vest' && lang === 'da') await screenshot(page, 'unit-hidden');
      }

      // Compare: chosen in the form, as a person would.
      await page.goto(`${base}/compare`);
      await page.selectOption('#c-unit-1', 'solhoj');
      await page.selectOption('#c-unit-2', 'egely');
      await page.selectOption('#c-unit-3', 'vest');
      await Promise.all([page.waitForNavigation(), page.click('form.filters button')]);
      check(await page.locator('svg[role="img"]').count() === 1, `compare (${lang}): no chart`);
      const legend = await page.locator('svg[role="img"] text.legend').allTextContents();
      check(legend.length === 3, `compare (${lang}): the chart's legend has ${legend.length} entries, expected 3`);
      const hiddenCount = await checkHiddenFigures(page, lang, `compare (${lang})`);
      check(hiddenCount > 0, `compare (${lang}): the unit with fewer than ${K} respondents is not hidden`);
      await screenshot(page, `compare${suffix}`);

      await page.goto(`${base}/surveys`);
      const consent = (lang === 'da' ? expected.consent_da : expected.consent_en).split('\n\n')[0];
      check((await page.locator('.consent').first().textContent()).length > 0, `surveys (${lang}): no consent text`);
      check((await page.content()).includes(consent.slice(0, 60)), `surveys (${lang}): the consent text is not shown`);
      await screenshot(page, `surveys${suffix}`);

      response = await page.goto(`${base}/dead-letters`);
      check(response.status() === 200, `dead letters (${lang}): status ${response.status()}`);
      const letters = await page.locator('table.dead-letters tbody tr').count();
      check(letters === expected.dead_letters, `dead letters (${lang}): ${letters} listed, the store has ${expected.dead_letters}`);
      check((await page.locator('table.dead-letters tbody td').nth(2).textContent()).includes('cannot be decrypted'),
        `dead letters (${lang}): the reason is not shown`);
      if (lang === 'da') await screenshot(page, 'dead-letters');
    }

    // Downloads, with the session of the browser.
    const report = await context.request.get(`${base}/download/report?format=csv`);
    check(report.status() === 200 && report.headers()['content-type'].startsWith('text/csv'), `report download: ${report.status()}`);
    const reportText = await report.text();
    const vestRow = reportText.split('\r\n').find((line) => line.includes(',vest,'));
    check(vestRow && vestRow.includes(WORDS.en.fewer), `report CSV: vest's row does not say "${WORDS.en.fewer}": ${vestRow}`);
    check(vestRow && !/,3,|,3$/.test(vestRow), `report CSV: vest's row has its count: ${vestRow}`);
    const danish = await context.request.get(`${base}/download/report?format=csv-da`);
    check(danish.status() === 200 && (await danish.body()).subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), 'report CSV for Danish Excel: no BOM');
    const responses = await context.request.get(`${base}/download/responses?format=csv`);
    check(responses.status() === 200, `responses download: status ${responses.status()}`);
    const lines = (await responses.text()).split('\r\n').filter((l) => l.length > 0);
    check(lines.length === expected.total + 1, `responses CSV: ${lines.length - 1} rows, the store has ${expected.total}`);
    const jsonl = await context.request.get(`${base}/download/responses?format=jsonl`);
    const jsonLines = (await jsonl.text()).split('\n').filter((l) => l.length > 0);
    check(jsonLines.length === expected.total, `responses JSONL: ${jsonLines.length} lines, the store has ${expected.total}`);
    check(jsonLines.every((l) => !('device' in JSON.parse(l)) && !('device_id' in JSON.parse(l))), 'responses JSONL: a line carries a device');

    // The printable report for a unit's leader: no navigation, the facts at the top.
    await page.goto(`${base}/unit?id=solhoj`);
    await page.emulateMedia({ media: 'print' });
    check(!(await page.locator('header.top').isVisible()), 'print: the navigation is printed');
    check(await page.locator('.print-head').isVisible(), 'print: the report heading is not printed');
    const head = await page.locator('.print-head').textContent();
    check(head.includes('Plejecenter Solhøj') && head.includes(`k = ${K}`), `print: the heading lacks the unit or k: ${head}`);
    await screenshot(page, 'unit-print');
    await page.pdf({ path: path.join(artifactDir, 'unit-report.pdf'), format: 'A4' });
    await page.emulateMedia({ media: 'screen' });

    // Signing out ends the session: pages go back to the login, downloads are refused.
    await Promise.all([page.waitForNavigation(), page.click('form.logout button')]);
    check(new URL(page.url()).pathname === '/login', `signing out went to ${page.url()}`);
    for (const target of ['/', '/unit?id=solhoj', '/compare', '/surveys', '/dead-letters']) {
      await page.goto(`${base}${target}`);
      check(new URL(page.url()).pathname === '/login', `${target} after signing out shows ${page.url()}`);
    }
    const after = await context.request.get(`${base}/download/report?format=csv`, { maxRedirects: 0 });
    check(after.status() === 401, `a download after signing out: status ${after.status()}`);
  } finally {
    await browser.close();
  }
  for (const problem of problems) check(false, problem);
  if (failures.length > 0) {
    console.error(`dashboard_test: ${failures.length} of ${checks} checks failed:\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`dashboard_test: ${checks} checks passed`);
})().catch((error) => {
  console.error(`dashboard_test: ${error.stack || error}`);
  process.exit(1);
});
