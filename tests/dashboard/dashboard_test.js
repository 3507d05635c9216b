// The dashboard in a real browser: Debian's headless Chromium driven by playwright-core.
//   node dashboard_test.js BASE_URL USERS_JSON EXPECTED_JSON SCREENSHOT_DIR ARTIFACT_DIR
// USERS_JSON: {"administrator": {name, password}, "analyst": {...}, "unit_leader": {name, password, group}}.
// As the administrator: signs in (after a wrong password fails), opens every page in Danish and English,
// checks the figures of the released round against EXPECTED_JSON (computed from the store by expected.py,
// not by the server's report code), checks that hidden figures carry no number anywhere in their cells,
// chart texts or the page's markup, that the round is chosen from a list (week ranges and k in a URL are
// refused), that no figure shows before a release (the collection section has no number), downloads the report and the k-anonymous responses,
// prints a unit's report, signs out and checks that pages then need the login again. As the unit leader:
// only their units, 403 for another unit's page and for every record-level download. As the analyst: the
// responses downloaded from the overview's link, then the administrator's audit page lists that download
// with the analyst's name and its row count. Screenshots of each page go to SCREENSHOT_DIR
// (docs/screenshots); a PDF of the printed report to ARTIFACT_DIR. Exits 1 with every failure listed.
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const [base, usersFile, expectedFile, shotDir, artifactDir] = process.argv.slice(2);
if (!artifactDir) {
  console.error('usage: node dashboard_test.js BASE_URL USERS_JSON EXPECTED_JSON SCREENSHOT_DIR ARTIFACT_DIR');
  process.exit(2);
}
const expected = JSON.parse(fs.readFileSync(expectedFile, 'utf8'));
const users = JSON.parse(fs.readFileSync(usersFile, 'utf8'));
const K = expected.round.k;
const ROUND = expected.round;
const WORDS = {
  da: { fewer: `færre end ${K}`, hidden: 'skjult', round: `${ROUND.id} (uge ${ROUND.from} til ${ROUND.to})`,
    forbidden: 'Ingen adgang', municipality: 'Hele kommunen' },
  en: { fewer: `fewer than ${K}`, hidden: 'hidden', round: `${ROUND.id} (weeks ${ROUND.from} to ${ROUND.to})`,
    forbidden: 'No access', municipality: 'Whole municipality' },
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
// A CSV line of the standard dialect as cells (quoted cells may hold commas and doubled quotes).
function csvCells(line) {
  const cells = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cell += '"'; i += 1; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { cells.push(cell); cell = ''; } else cell += c;
  }
  cells.push(cell);
  return cells;
}
const csvLines = (text) => text.split('\r\n').filter((l) => l.length > 0);

// A codebook CSV (codebook.hpp) against the data's header and the survey file: one row per column of the
// data, each question with its title and every choice with its label, in Danish and in English.
function checkCodebook(text, dataHeader, where) {
  const survey = JSON.parse(fs.readFileSync(path.join(__dirname, '../../assets/surveys/digital-kompetence.json'), 'utf8'));
  const say = (t, lang) => (typeof t === 'string' ? t : t[lang] ?? t.default ?? t[survey.locale] ?? Object.values(t)[0]);
  const [header, ...rows] = csvLines(text).map(csvCells);
  check(header.join(',') === 'survey_id,survey_version,definition_sha256,column,kind,value,identifying,area,text_da,text_en', `${where}: header ${header}`);
  const columns = rows.filter((r) => r[4] !== 'value').map((r) => r[3]);
  check(JSON.stringify(columns) === JSON.stringify(dataHeader), `${where}: columns ${columns}, the data has ${dataHeader}`);
  check(rows.every((r) => r[0] === survey.surveyId && r[1] === survey.surveyVersion && /^[0-9a-f]{64}$/.test(r[2])), `${where}: a row names another survey or no hash`);
  const questions = survey.pages.flatMap((p) => p.elements).filter((e) => e.type !== 'html');
  for (const q of questions) {
    const row = rows.find((r) => r[3] === q.name && r[4] !== 'value');
    check(row && row[8] === say(q.title, 'da') && row[9] === say(q.title, 'en'), `${where}: ${q.name}'s texts are ${row && row.slice(8)}`);
    for (const choice of q.choices || []) {
      const value = String(typeof choice === 'object' ? choice.value : choice);
      const label = typeof choice === 'object' && choice.text !== undefined ? choice.text : value;
      const found = rows.find((r) => r[3] === q.name && r[4] === 'value' && r[5] === value);
      check(found && found[8] === say(label, 'da') && found[9] === say(label, 'en'), `${where}: ${q.name} = ${value} is labelled ${found && found.slice(8)}`);
    }
  }
  const workplace = rows.find((r) => r[3] === 'workplace' && r[4] !== 'value');
  check(workplace && workplace[6] === 'true', `${where}: workplace is not marked identifying`);
}

async function screenshot(page, name) {
  await page.screenshot({ path: path.join(shotDir, `dashboard-${name}.png`), fullPage: true });
}

// Console errors and failed requests of a page; a refusal the test asked for (a 400 or 403 the browser
// logs as an error) is taken back with expectRefusal.
const problems = [];
function watch(page, who) {
  page.on('console', (message) => { if (message.type() === 'error') problems.push(`${who}: console: ${message.text()}`); });
  page.on('pageerror', (error) => problems.push(`${who}: page error: ${error.message}`));
  // A request cut short by the next navigation (the tab icon, typically) is not a failure of the page.
  page.on('requestfailed', (request) => {
    if (request.failure().errorText !== 'net::ERR_ABORTED') problems.push(`${who}: request failed: ${request.url()} (${request.failure().errorText})`);
  });
  return page;
}
// Opens a URL that must be refused with `status`; returns the page's text.
async function expectRefusal(page, target, status, where) {
  const before = problems.length;
  const response = await page.goto(`${base}${target}`);
  check(response.status() === status, `${where}: ${target} answered ${response.status()}, expected ${status}`);
  await page.waitForTimeout(50);
  // Only the browser's own note of this very status goes; anything else stays a problem.
  for (let i = problems.length - 1; i >= before; i -= 1) {
    if (problems[i].includes(`status of ${status}`)) problems.splice(i, 1);
  }
  return (await page.locator('main').textContent()) || '';
}

async function signIn(context, account, who) {
  const page = watch(await context.newPage(), who);
  await page.goto(`${base}/login`);
  await page.fill('#l-user', account.name);
  await page.fill('#l-password', account.password);
  await Promise.all([page.waitForNavigation(), page.click('.login-form button')]);
  check(new URL(page.url()).pathname === '/', `${who}: signing in went to ${page.url()}`);
  return page;
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

// The participation table: its week columns ("2026-W49") and rows with their cells.
async function participation(page) {
  const weeks = await page.$$eval('table.participation thead th.week', (ths) => ths.map((th) => th.textContent.trim().replace(' ', '-')));
  const rows = await page.$$eval('table.participation tbody tr', (trs) => trs.map((row) => ({
    kind: row.className,
    name: row.querySelector('th').textContent.trim(),
    cells: [...row.querySelectorAll('td')].map((td) => ({ text: td.textContent.trim(), hidden: td.classList.contains('hidden-cell') })),
  })));
  return { weeks, rows };
}

async function checkOverview(page, lang) {
  const where = `overview (${lang})`;
  const { weeks, rows } = await participation(page);
  // Every week of the round is a column, the last 12 of them on the overview.
  const lastWeeks = expected.weeks.slice(-12);
  check(JSON.stringify(weeks) === JSON.stringify(lastWeeks), `${where}: week columns ${weeks}, the round's last weeks are ${lastWeeks}`);
  const total = rows.find((r) => r.kind === 'row-total');
  check(total && parseCount(total.cells[0].text) === expected.total, `${where}: municipality total ${total && total.cells[0].text}, the round has ${expected.total}`);
  let hiddenFewer = 0;
  let hiddenSecondary = 0;
  for (const unit of expected.units) {
    const row = rows.find((r) => r.kind === 'row-unit' && r.name === unit.name);
    check(row, `${where}: no row for ${unit.name}`);
    if (!row) continue;
    row.cells.forEach((cell, i) => {
      // The first cell is the unit's total in the round, then one per week column.
      const value = i === 0 ? unit.respondents : (unit.weeks[weeks[i - 1]] || 0);
      const what = i === 0 ? `${unit.name}` : `${unit.name} in ${weeks[i - 1]}`;
      if (cell.hidden) {
        if (cell.text === WORDS[lang].fewer) {
          hiddenFewer += 1;
          check(value < K, `${where}: ${what} (${value}) shown as fewer than ${K}`);
        } else {
          hiddenSecondary += 1;
        }
        check(!/[0-9]/.test(cell.text.replace(String(K), '')), `${where}: ${what}'s hidden cell has a number: ${cell.text}`);
      } else {
        check(parseCount(cell.text) === value, `${where}: ${what} shows ${cell.text}, the round has ${value}`);
        check(value >= K || (i > 0 && value === 0), `${where}: ${what} shows ${value} respondents, fewer than k`);  // a week without responses shows 0
      }
    });
  }
  // The store is made so that one unit has fewer than k and its group neighbour must be hidden too.
  check(hiddenFewer > 0, `${where}: no "fewer than ${K}" cell, although a unit has ${Math.min(...expected.units.map((u) => u.respondents))} respondents`);
  check(hiddenSecondary > 0, `${where}: no secondary "${WORDS[lang].hidden}" cell, although a hidden count could be subtracted from its group's total`);
  // Groups (as the round froze them) add up to what the round holds.
  for (const row of rows.filter((r) => r.kind === 'row-group')) {
    const group = Object.keys(expected.groups).find((g) => g === row.name) ?? '';
    if (!row.cells[0].hidden) check(parseCount(row.cells[0].text) === expected.groups[group], `${where}: group ${row.name} shows ${row.cells[0].text}, expected ${expected.groups[group]}`);
  }
  check((await page.locator('.survey-line').textContent()).includes(WORDS[lang].round), `${where}: the survey line does not name the round "${WORDS[lang].round}"`);
  check(await page.locator('#kiosks tbody tr').count() === expected.units.length, `${where}: expected ${expected.units.length} kiosks listed`);
  const deadLetters = await page.locator('#dead-letters h2').textContent();
  check(deadLetters.endsWith(`: ${expected.dead_letters}`), `${where}: "${deadLetters}", the store has ${expected.dead_letters} dead letters`);
  check(await page.locator('#profile svg[role="img"] title').count() === 1, `${where}: the municipality's profile chart has no title`);
  check(await page.locator('#no-round').count() === 0, `${where}: says no round is released, although ${ROUND.id} is`);
  await checkCollection(page, where);
  await checkHiddenFigures(page, lang, where);
}

// The collection section: words only. Any number there (even in steps of k) would drop at a release by what
// the round froze and so bound the figures it hides.
async function checkCollection(page, where) {
  check(await page.locator('#collection').count() === 1, `${where}: no collection section`);
  check(await page.locator('#live').count() === 0, `${where}: a live section with counts is back`);
  const text = await page.locator('#collection').textContent();
  check(!/[0-9]/.test(text), `${where}: the collection section has a number: ${text}`);
}

// The round of the filter form: chosen from the released rounds (no week fields); a week range, an
// unknown round or a k typed into the URL is refused with a reason, never applied.
async function checkRoundFilter(page, lang) {
  const where = `round filter (${lang})`;
  check(await page.locator('#f-from, #f-to, input[type="week"]').count() === 0, `${where}: the form still has week fields`);
  const options = await page.$$eval('#f-round option', (os) => os.map((o) => ({ value: o.value, text: o.textContent.trim(), selected: o.selected })));
  check(options.length === 1 && options[0].value === ROUND.id && options[0].selected && options[0].text === WORDS[lang].round,
    `${where}: the round list is ${JSON.stringify(options)}, expected only ${ROUND.id}, chosen`);
  await page.selectOption('#f-round', ROUND.id);
  await Promise.all([page.waitForNavigation(), page.click('form.filters button')]);
  const url = new URL(page.url());
  check(url.searchParams.get('round') === ROUND.id && url.searchParams.get('survey'), `${where}: the round was not sent: ${page.url()}`);
  check(!url.searchParams.has('from') && !url.searchParams.has('to'), `${where}: a week range was sent: ${page.url()}`);
  const total = (await participation(page)).rows.find((r) => r.kind === 'row-total');
  check(total && parseCount(total.cells[0].text) === expected.total, `${where}: ${ROUND.id} shows ${total && total.cells[0].text}, expected ${expected.total}`);
  // Unit links keep the round.
  const link = await page.locator('table.participation a').first().getAttribute('href');
  check(link.includes(`round=${ROUND.id}`), `${where}: a unit's link drops the round: ${link}`);

  const first = expected.weeks[0];
  const last = expected.weeks[expected.weeks.length - 1];
  for (const target of [`/?from=${first}&to=${last}`, `/?from=${first}`, `/unit?id=solhoj&to=${last}`, `/?round=${ROUND.id}&from=${first}&to=${first}`]) {
    const text = await expectRefusal(page, target, 400, where);
    check(text.includes('from/to weeks are not offered'), `${where}: ${target} does not say why: ${text.slice(0, 200)}`);
    check(await page.locator('table.participation').count() === 0, `${where}: ${target} showed figures`);
  }
  for (const target of ['/?round=2020-h1', `/?k=3`, `/?k=3&round=${ROUND.id}`, '/unit?id=solhoj&k=2']) {
    await expectRefusal(page, target, 400, where);
    check(await page.locator('table.participation, .hidden-cell').count() === 0, `${where}: ${target} showed figures`);
    check(!(await page.content()).includes(lang === 'da' ? 'færre end 3' : 'fewer than 3'), `${where}: ${target} used k = 3`);
  }
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
    check(parseCount(shown) === unit.respondents, `${where}: respondents ${shown}, the round has ${unit.respondents}`);
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
      check(parseCount(answered.replace(/^\D+/, '')) === question.answered, `${where}: "${title}" ${answered}, the round has ${question.answered}`);
      const rows = await block.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => ({
        label: tr.querySelector('th').textContent.trim(), count: tr.querySelector('td').textContent.trim() })));
      for (const want of question.rows) {
        const label = lang === 'da' ? want.label_da : want.label_en;
        const row = rows.find((r) => r.label === label);
        check(row && parseCount(row.count) === want.count, `${where}: "${title}" / "${label}": ${row && row.count}, the round has ${want.count}`);
      }
    }
  }
  check(await page.locator('#profile svg[role="img"]').count() === 1, `${where}: no area profile chart`);
  check(await page.locator('#profile table.data tbody tr').count() > 0, `${where}: the profile chart has no data table`);
  await checkHiddenFigures(page, lang, where);
}

// A record-level CSV download: k-anonymous (every combination of unit, group, period, language, survey
// version and identifying answer shared by at least k rows), of the round only, never a unit the report
// hides, never an id. Returns its number of rows.
function checkResponsesCsv(text, where) {
  const lines = csvLines(text);
  const header = csvCells(lines[0] || '');
  check(JSON.stringify(header.slice(0, 6)) === JSON.stringify(['unit', 'group', 'period', 'survey_id', 'survey_version', 'locale']),
    `${where}: the columns start ${header.slice(0, 6)}`);
  check(!header.includes('id'), `${where}: the CSV has an id column`);
  const workplace = header.indexOf('workplace');  // marked "identifying" in the survey
  check(workplace > 5, `${where}: no workplace column`);
  const rows = lines.slice(1).map(csvCells);
  check(rows.length > 0 && rows.length <= expected.total, `${where}: ${rows.length} rows, the round has ${expected.total} responses`);
  const combinations = {};
  for (const row of rows) {
    const key = JSON.stringify([...row.slice(0, 6), row[workplace]]);
    combinations[key] = (combinations[key] || 0) + 1;
    check([ROUND.id, ...expected.weeks].includes(row[2]), `${where}: a row's period is ${row[2]}, outside the round`);
  }
  for (const [key, count] of Object.entries(combinations)) check(count >= K, `${where}: only ${count} rows share ${key}`);
  const hiddenUnits = expected.units.filter((u) => u.respondents < K).map((u) => u.id);
  check(rows.every((row) => !hiddenUnits.includes(row[0])), `${where}: a row names a unit with fewer than ${K} respondents (${hiddenUnits})`);
  return rows.length;
}

// The audit page's rows as {when, user, action, what, rows}.
async function auditRows(page) {
  return page.$$eval('table#audit tbody tr', (trs) => trs.map((tr) => {
    const td = [...tr.querySelectorAll('td')].map((c) => c.textContent.trim());
    return { when: td[0], user: td[1], action: td[2], what: td[3], rows: td[4] };
  }));
}

(async () => {
  fs.mkdirSync(shotDir, { recursive: true });
  fs.mkdirSync(artifactDir, { recursive: true });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  const contextOptions = { ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, acceptDownloads: true };
  const admin = users.administrator;
  try {
    const context = await browser.newContext(contextOptions);
    const page = watch(await context.newPage(), admin.name);

    // Every page needs the login.
    let response = await page.goto(`${base}/`);
    check(new URL(page.url()).pathname === '/login', `/ without a session went to ${page.url()}, not /login`);
    const headers = response.headers();
    check((headers['content-security-policy'] || '').includes("default-src 'none'"), 'the login page has no strict Content-Security-Policy');
    check(headers['x-content-type-options'] === 'nosniff' && headers['referrer-policy'] === 'no-referrer' && headers['cache-control'] === 'no-store',
      'the login page lacks nosniff, no-referrer or no-store');
    await screenshot(page, 'login');

    // A wrong password fails, and says so without saying which part was wrong.
    await page.fill('#l-user', admin.name);
    await page.fill('#l-password', 'not the password');
    await Promise.all([page.waitForNavigation(), page.click('.login-form button')]);
    check(new URL(page.url()).pathname === '/login', 'a wrong password did not stay on /login');
    check((await page.locator('.message.error').textContent()).includes('Forkert brugernavn eller adgangskode'), 'a wrong password shows no error');
    check((await context.cookies()).every((c) => c.name !== '__Host-svarboks_session'), 'a wrong password set a session cookie');
    problems.length = 0;  // the browser logs the refused login's 403 as an error; that one is expected

    await page.fill('#l-user', admin.name);
    await page.fill('#l-password', admin.password);
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
      if (lang === 'da') await checkRoundFilter(page, lang);

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
      check(new URL(page.url()).searchParams.get('round') === ROUND.id, `compare (${lang}): the round was not sent: ${page.url()}`);
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
    // Back to Danish for what follows (and the screenshots the documentation shows).
    await page.goto(`${base}/language?to=da&return=%2F`);

    // The audit log so far: the command line's changes, among them the release, with no row count (the
    // round's responses over every survey version would be a total that no report shows).
    response = await page.goto(`${base}/audit`);
    check(response.status() === 200, `audit: status ${response.status()}`);
    let audit = await auditRows(page);
    const releaseEntry = audit.find((e) => e.action === 'release-round');
    check(releaseEntry && releaseEntry.what === ROUND.id && parseCount(releaseEntry.rows) === 0,
      `audit: the release of ${ROUND.id} is not listed, or with a count: ${JSON.stringify(releaseEntry)}`);
    for (const name of [users.analyst.name, users.unit_leader.name]) {
      check(audit.some((e) => e.action === 'add-user' && e.what.startsWith(`${name} as `)), `audit: adding ${name} is not listed`);
    }

    // Downloads, with the session of the browser.
    const report = await context.request.get(`${base}/download/report?format=csv`);
    check(report.status() === 200 && report.headers()['content-type'].startsWith('text/csv'), `report download: ${report.status()}`);
    check((report.headers()['content-disposition'] || '').includes(`-${ROUND.id}.csv`), `report download: the file name lacks the round: ${report.headers()['content-disposition']}`);
    const reportText = await report.text();
    const vestRow = reportText.split('\r\n').find((line) => line.includes(',vest,'));
    // (A standard CSV speaks the language of the pages: Danish again by now.)
    check(vestRow && vestRow.includes(WORDS.da.fewer), `report CSV: vest's row does not say "${WORDS.da.fewer}": ${vestRow}`);
    check(vestRow && !new RegExp(`,${unitById.vest.respondents}(,|$)`).test(vestRow), `report CSV: vest's row has its count: ${vestRow}`);
    check(reportText.split('\r\n').some((line) => line.startsWith(`municipality,,,,${expected.total},`)), `report CSV: no municipality row with ${expected.total}`);
    const danish = await context.request.get(`${base}/download/report?format=csv-da`);
    check(danish.status() === 200 && (await danish.body()).subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), 'report CSV for Danish Excel: no BOM');
    const responses = await context.request.get(`${base}/download/responses?format=csv`);
    check(responses.status() === 200, `responses download: status ${responses.status()}`);
    check((responses.headers()['content-disposition'] || '').includes(`-${ROUND.id}.csv`), `responses download: the file name lacks the round`);
    const adminRows = checkResponsesCsv(await responses.text(), 'responses CSV');
    const jsonl = await context.request.get(`${base}/download/responses?format=jsonl`);
    const jsonLines = (await jsonl.text()).split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
    check(jsonLines.length === adminRows, `responses JSONL: ${jsonLines.length} lines, the CSV of the same round has ${adminRows}`);
    check(jsonLines.every((l) => !('id' in l) && !('device' in l) && !('device_id' in l)), 'responses JSONL: a line carries an id or a device');
    check(jsonLines.every((l) => l.unit !== 'vest'), 'responses JSONL: a line names vest, whose count the report hides');
    const ranged = await context.request.get(`${base}/download/report?format=csv&from=${expected.weeks[0]}`);
    check(ranged.status() === 400, `report download with a week range: status ${ranged.status()}`);
    const withK = await context.request.get(`${base}/download/responses?format=csv&k=2`);
    check(withK.status() === 400, `responses download with k=2: status ${withK.status()}`);

    // The printable report for a unit's leader: no navigation, the facts at the top.
    await page.goto(`${base}/unit?id=solhoj`);
    await page.emulateMedia({ media: 'print' });
    check(!(await page.locator('header.top').isVisible()), 'print: the navigation is printed');
    check(await page.locator('.print-head').isVisible(), 'print: the report heading is not printed');
    const head = await page.locator('.print-head').textContent();
    check(head.includes('Plejecenter Solhøj') && head.includes(`k = ${K}`) && head.includes(ROUND.id), `print: the heading lacks the unit, k or the round: ${head}`);
    await screenshot(page, 'unit-print');
    await page.pdf({ path: path.join(artifactDir, 'unit-report.pdf'), format: 'A4' });
    await page.emulateMedia({ media: 'screen' });

    // Signing out ends the session: pages go back to the login, downloads are refused.
    await Promise.all([page.waitForNavigation(), page.click('form.logout button')]);
    check(new URL(page.url()).pathname === '/login', `signing out went to ${page.url()}`);
    for (const target of ['/', '/unit?id=solhoj', '/compare', '/surveys', '/dead-letters', '/audit']) {
      await page.goto(`${base}${target}`);
      check(new URL(page.url()).pathname === '/login', `${target} after signing out shows ${page.url()}`);
    }
    const after = await context.request.get(`${base}/download/report?format=csv`, { maxRedirects: 0 });
    check(after.status() === 401, `a download after signing out: status ${after.status()}`);
    await context.close();

    // ---- the unit leader: their units only; another unit's page and every record-level download refused ----
    const leader = users.unit_leader;
    const leaderContext = await browser.newContext(contextOptions);
    const leaderPage = await signIn(leaderContext, leader, leader.name);
    const mine = expected.units.filter((u) => u.group === leader.group);
    const others = expected.units.filter((u) => u.group !== leader.group);
    {
      const where = `unit leader ${leader.name}`;
      const { rows } = await participation(leaderPage);
      const want = [{ kind: 'row-group', name: leader.group }, ...mine.map((u) => ({ kind: 'row-unit', name: u.name }))];
      check(JSON.stringify(rows.map((r) => ({ kind: r.kind, name: r.name }))) === JSON.stringify(want),
        `${where}: the overview's rows are ${JSON.stringify(rows.map((r) => r.name))}, expected ${want.map((r) => r.name)}`);
      const text = await leaderPage.locator('main').textContent();
      for (const unit of others) check(!text.includes(unit.name), `${where}: the overview names ${unit.name}, not one of theirs`);
      check(!text.includes(WORDS.da.municipality), `${where}: the overview shows the municipality`);
      check(await leaderPage.locator('a[href*="/download/responses"]').count() === 0, `${where}: the overview offers record-level downloads`);
      check(await leaderPage.locator('nav a[href="/audit"], nav a[href="/dead-letters"]').count() === 0, `${where}: the menu offers the audit log or the rejected responses`);
      check(await leaderPage.locator('#kiosks tbody tr').count() === mine.length, `${where}: kiosks of other units are listed`);
      await checkCollection(leaderPage, where);
      await checkHiddenFigures(leaderPage, 'da', where);
      await screenshot(leaderPage, 'unit-leader');

      for (const unit of mine) {
        const own = await leaderPage.goto(`${base}/unit?id=${unit.id}`);
        check(own.status() === 200, `${where}: their own unit ${unit.id} answered ${own.status()}`);
        await checkUnit(leaderPage, 'da', unit);
      }
      for (const unit of others) {
        const text403 = await expectRefusal(leaderPage, `/unit?id=${unit.id}`, 403, where);
        check(text403.includes(WORDS.da.forbidden), `${where}: /unit?id=${unit.id} does not say "${WORDS.da.forbidden}"`);
        check(!text403.includes(unit.name) && await leaderPage.locator('main .num, main svg').count() === 0, `${where}: the 403 for ${unit.id} shows something of it`);
      }
      await expectRefusal(leaderPage, `/compare?unit=${mine[0].id}&unit=${others[0].id}&round=${ROUND.id}`, 403, where);
      await expectRefusal(leaderPage, '/audit', 403, where);
      await expectRefusal(leaderPage, '/dead-letters', 403, where);
      for (const format of ['csv', 'csv-da', 'jsonl']) {
        for (const query of [`format=${format}`, `format=${format}&round=${ROUND.id}`]) {
          const refused = await leaderContext.request.get(`${base}/download/responses?${query}`);
          const body = await refused.text();
          check(refused.status() === 403, `${where}: /download/responses?${query} answered ${refused.status()}`);
          check(!(refused.headers()['content-disposition']) && !body.includes('survey_id') && !body.includes(mine[0].id),
            `${where}: /download/responses?${query} sent data: ${body.slice(0, 120)}`);
        }
      }
      check(await leaderPage.locator('a[href*="/download/codebook"]').count() === 0, `${where}: the overview offers a codebook`);
      for (const format of ['csv', 'csv-da', 'jsonl']) {
        const refused = await leaderContext.request.get(`${base}/download/codebook?format=${format}`);
        check(refused.status() === 403 && !(await refused.text()).includes('survey_id'), `${where}: /download/codebook?format=${format} answered ${refused.status()}`);
      }
      // The report CSV (suppressed) is theirs to download: their group's and units' rows only.
      const theirs = await leaderContext.request.get(`${base}/download/report?format=csv`);
      check(theirs.status() === 200, `${where}: the report CSV answered ${theirs.status()}`);
      const kinds = csvLines(await theirs.text()).slice(1).map((line) => csvCells(line).slice(0, 3).join(','));
      const wantKinds = [`group,${leader.group},`, ...mine.map((u) => `unit,${leader.group},${u.id}`)];
      check(JSON.stringify(kinds) === JSON.stringify(wantKinds), `${where}: the report CSV has rows ${JSON.stringify(kinds)}, expected ${JSON.stringify(wantKinds)}`);
    }
    await leaderContext.close();

    // ---- the analyst: downloads the responses from the overview's link; no audit log, no rejected responses ----
    const analyst = users.analyst;
    const analystContext = await browser.newContext(contextOptions);
    const analystPage = await signIn(analystContext, analyst, analyst.name);
    let analystRows = -1;
    {
      const where = `analyst ${analyst.name}`;
      check(await analystPage.locator('nav a[href="/audit"], nav a[href="/dead-letters"]').count() === 0, `${where}: the menu offers the audit log or the rejected responses`);
      await expectRefusal(analystPage, '/audit', 403, where);
      await expectRefusal(analystPage, '/dead-letters', 403, where);
      await analystPage.goto(`${base}/`);
      const link = analystPage.locator('#downloads a[href^="/download/responses?format=csv&"]');
      check(await link.count() === 1, `${where}: no link to the responses as CSV`);
      const [download] = await Promise.all([analystPage.waitForEvent('download'), link.click()]);
      check(download.suggestedFilename().endsWith(`-${ROUND.id}.csv`), `${where}: the download is called ${download.suggestedFilename()}`);
      const file = path.join(artifactDir, `analyst-${download.suggestedFilename()}`);
      await download.saveAs(file);
      analystRows = checkResponsesCsv(fs.readFileSync(file, 'utf8'), `${where}: responses CSV`);
      check(analystRows === adminRows, `${where}: ${analystRows} rows, the administrator's download of the same round had ${adminRows}`);

      // Beside each record-level download its codebook, which lists every column of the data with the
      // survey's own texts in Danish and English.
      for (const format of ['csv', 'csv-da', 'jsonl']) {
        check(await analystPage.locator(`#downloads a.codebook[href^="/download/codebook?format=${format}&"]`).count() === 1, `${where}: no codebook beside the ${format} download`);
      }
      const bookLink = analystPage.locator('#downloads a.codebook[href^="/download/codebook?format=csv&"]');
      const [bookDownload] = await Promise.all([analystPage.waitForEvent('download'), bookLink.click()]);
      check(bookDownload.suggestedFilename().endsWith(`-${ROUND.id}-codebook.csv`), `${where}: the codebook is called ${bookDownload.suggestedFilename()}`);
      const bookFile = path.join(artifactDir, `analyst-${bookDownload.suggestedFilename()}`);
      await bookDownload.saveAs(bookFile);
      checkCodebook(fs.readFileSync(bookFile, 'utf8'), csvCells(csvLines(fs.readFileSync(file, 'utf8'))[0]), `${where}: codebook`);
    }
    await analystContext.close();

    // ---- the administrator again: the audit log lists the analyst's download with its rows ----
    const auditContext = await browser.newContext(contextOptions);
    const auditPage = await signIn(auditContext, admin, `${admin.name} (audit)`);
    response = await auditPage.goto(`${base}/audit`);
    check(response.status() === 200, `audit: status ${response.status()}`);
    audit = await auditRows(auditPage);
    const latest = audit[0];
    check(latest && latest.user === analyst.name && latest.action === 'download-responses' && latest.what.includes(ROUND.id) &&
      latest.what.includes(', csv,') && parseCount(latest.rows) === analystRows,
      `audit: the newest entry is ${JSON.stringify(latest)}, expected ${analyst.name}'s download-responses of ${ROUND.id} as csv with ${analystRows} rows`);
    check(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(latest ? latest.when : ''), `audit: the time "${latest && latest.when}" is not UTC`);
    const adminDownloads = audit.filter((e) => e.user === admin.name && e.action === 'download-responses');
    check(adminDownloads.length === 2 && adminDownloads.every((e) => parseCount(e.rows) === adminRows),
      `audit: the administrator's two downloads are not listed with ${adminRows} rows: ${JSON.stringify(adminDownloads)}`);
    check(audit.some((e) => e.user === leader.name && e.action === 'download-report' && parseCount(e.rows) === mine.length + 1),
      `audit: the unit leader's report download is not listed with ${mine.length + 1} rows`);
    check(!audit.some((e) => e.user === leader.name && e.action === 'download-responses'), 'audit: a refused download is listed as a download');
    await screenshot(auditPage, 'audit');
    await auditContext.close();
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
