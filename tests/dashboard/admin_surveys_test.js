// Survey administration in a real browser (Debian's headless Chromium via playwright-core), end to end with
// a real kiosk binary:
//   node admin_surveys_test.js BASE_URL USERS_JSON SCREENSHOT_DIR WORK_DIR KIOSK_BINARY KIOSK_CONFIG UNIT
// The administrator uploads a survey with a lint error (the error shows beside the file field with its JSON
// pointer and line), uploads the fixed file, looks through the draft's preview in Danish and English,
// publishes it to UNIT after the confirmation, and sees the version listed with its hashes. The kiosk enrolled
// to UNIT (KIOSK_CONFIG, by run.sh) then runs `svarboks sync` and must have taken the new version; retiring it
// shows in the list. The analyst and the unit leader get 403 on the survey pages. Screenshots go to
// SCREENSHOT_DIR as admin-survey*.png. Exits 1 with every failure listed.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { chromium } = require('playwright-core');

const [base, usersFile, shotDir, workDir, kiosk, kioskConfig, unit] = process.argv.slice(2);
if (!unit) {
  console.error('usage: node admin_surveys_test.js BASE_URL USERS_JSON SCREENSHOT_DIR WORK_DIR KIOSK_BINARY KIOSK_CONFIG UNIT');
  process.exit(2);
}
const users = JSON.parse(fs.readFileSync(usersFile, 'utf8'));
const root = path.resolve(__dirname, '..', '..');
const failures = [];
let checks = 0;
function check(condition, message) {
  checks += 1;
  if (!condition) failures.push(message);
}
const shot = (page, name) => page.screenshot({ path: path.join(shotDir, `${name}.png`), fullPage: true });

// The pulse survey as a new version, pretty-printed as a person would write it; `broken` puts an unsupported
// question type in. Returns the file and the line the error is on.
function surveyFile(name, version, broken) {
  const survey = JSON.parse(fs.readFileSync(path.join(root, 'assets/surveys/pulse.json'), 'utf8'));
  survey.surveyVersion = version;
  if (broken) survey.pages[0].elements[2].type = 'matrix';
  const text = JSON.stringify(survey, null, 2);
  const file = path.join(workDir, name);
  fs.writeFileSync(file, text);
  const line = text.slice(0, text.indexOf('"matrix"')).split('\n').length;
  return { file, line };
}

async function signIn(context, account) {
  const page = await context.newPage();
  page.on('pageerror', (error) => failures.push(`${account.name}: page error: ${error.message}`));
  await page.goto(`${base}/login`);
  await page.fill('#l-user', account.name);
  await page.fill('#l-password', account.password);
  await Promise.all([page.waitForNavigation(), page.click('.login-form button')]);
  return page;
}

async function upload(page, file) {
  await page.goto(`${base}/admin/surveys`);
  await page.setInputFiles('#survey-file', file);
  const [response] = await Promise.all([page.waitForNavigation(), page.click('form[enctype="multipart/form-data"] button')]);
  return response;
}

(async () => {
  const version = '2026.2';  // the store is new: only digital-kompetence is published
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  const contextOptions = { ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 };
  try {
    const context = await browser.newContext(contextOptions);
    const page = await signIn(context, users.administrator);

    // The list: upload form, no drafts, the published versions with their hashes.
    let response = await page.goto(`${base}/admin/surveys`);
    check(response.status() === 200, `/admin/surveys answered ${response.status()}`);
    check(await page.locator('table.versions').count() === 1, 'the published versions are not listed');
    await shot(page, 'admin-surveys');

    // A survey with an error: shown beside the file field with its pointer and line; nothing stored.
    const bad = surveyFile('digital-bad.json', version, true);
    response = await upload(page, bad.file);
    check(response.status() === 422, `the upload with an error answered ${response.status()}: ${(await page.locator('main').textContent()).slice(0, 300)}`);
    const error = (await page.locator('.field-error').first().textContent({ timeout: 2000 }).catch(() => '')) || '';
    check(error.includes('digital-bad.json') && error.includes('fejl'), `the upload's error reads "${error}"`);
    const lint = (await page.locator('ul.lint').textContent()) || '';
    check(lint.includes(`linje ${bad.line} · /pages/0/elements/2/type`), `the lint list lacks line ${bad.line} and the pointer: "${lint}"`);
    check(lint.includes("elementtypen 'matrix': matrix-spørgsmål understøttes ikke") && !lint.includes('not supported'),
      `the lint message is not in the page's language (Danish): "${lint}"`);
    check(await page.locator('table.drafts').count() === 0, 'a survey with an error became a draft');
    await shot(page, 'admin-survey-lint');

    // The fixed file: a draft, its preview in Danish and English.
    const good = surveyFile('digital.json', version, false);
    await upload(page, good.file);
    check(new URL(page.url()).pathname === '/admin/surveys/draft', `the fixed upload went to ${page.url()}`);
    const danish = (await page.locator('.screens').textContent()) || '';
    check(danish.includes('Jeg vil gerne svare') && danish.includes('Digital puls'), 'the Danish preview lacks the consent screen or title');
    check(danish.includes('Vises når: {used_tools} = true'), 'the preview does not mark the branch behind visibleIf');
    const screens = await page.locator('.screen-preview').count();
    check(screens >= 9, `the preview shows ${screens} screens, expected welcome, consent, 6 elements, profile, thank-you`);
    await shot(page, 'admin-survey-preview');
    await Promise.all([page.waitForNavigation(), page.click('ul.tabs a[lang="en"]')]);
    const english = (await page.locator('.screens').textContent()) || '';
    check(english.includes('I want to take part') && english.includes('Digital pulse'), 'the English preview lacks the consent screen or title');
    await shot(page, 'admin-survey-preview-en');

    // Publish to one unit: chosen, confirmed.
    await page.check('input[name="target"][value="chosen"]');
    await page.check(`input[name="unit"][value="${unit}"]`);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/admin/surveys/publish"] button')]);
    const question = (await page.locator('main').textContent()) || '';
    check(question.includes(`pulse ${version}`) && question.includes(unit), `the confirmation reads "${question.slice(0, 200)}"`);
    await shot(page, 'admin-survey-confirm');
    await Promise.all([page.waitForNavigation(), page.click('main form button[type="submit"]')]);
    check(new URL(page.url()).pathname === '/admin/surveys', `publishing went to ${page.url()}`);
    const versions = (await page.locator('table.versions').textContent()) || '';
    check(versions.includes(version) && versions.includes(`enhed ${unit}`), `the versions do not list ${version} for ${unit}`);
    await shot(page, 'admin-survey-published');

    // The kiosk of that unit takes it at its next sync.
    let synced = '';
    try {
      synced = execFileSync(kiosk, ['sync', '--config', kioskConfig], { encoding: 'utf8' });
    } catch (e) {
      check(false, `svarboks sync failed: ${e.stdout || ''}${e.stderr || ''}`);
    }
    const cache = JSON.parse(fs.readFileSync(path.join(path.dirname(kioskConfig), 'survey-cache.json'), 'utf8'));
    check(cache.survey.surveyId === 'pulse' && cache.survey.surveyVersion === version,
      `after the sync the kiosk has ${cache.survey.surveyId} ${cache.survey.surveyVersion}, expected pulse ${version} (${synced.trim()})`);

    // Retire it, after the confirmation.
    const row = page.locator('table.versions tr', { hasText: version });
    await Promise.all([page.waitForNavigation(), row.locator('button').click()]);
    await Promise.all([page.waitForNavigation(), page.click('main form button[type="submit"]')]);
    const retired = (await page.locator('table.versions tr', { hasText: version }).textContent()) || '';
    check(retired.includes('trukket tilbage'), `the retired version reads "${retired}"`);
    await context.close();

    // The other roles: 403 on the survey pages.
    for (const who of [users.analyst, users.unit_leader]) {
      const other = await browser.newContext(contextOptions);
      const otherPage = await signIn(other, who);
      response = await otherPage.goto(`${base}/admin/surveys`);
      check(response.status() === 403, `${who.name}: /admin/surveys answered ${response.status()}`);
      await other.close();
    }
  } finally {
    await browser.close();
  }
  if (failures.length > 0) {
    console.error(`admin_surveys_test: ${failures.length} of ${checks} checks failed:\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`admin_surveys_test: ${checks} checks passed`);
})().catch((error) => {
  console.error(`admin_surveys_test: ${error.stack || error}`);
  process.exit(1);
});
