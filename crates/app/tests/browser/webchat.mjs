// The sandbox web chat in headless Chromium, as a first-time user: /start (the welcome says
// the first image is on the house), a description typed right away becomes the free image, a
// second order with too few coins is kept through a Stars top-up and continued, the originals
// come as files, the gallery, and an avatar trained from two uploaded albums — all through the
// page. A screenshot is taken after each step.
//
//   node webchat.mjs <path to the aisha binary> <path to chromium> <screenshot directory>
//
// The app runs in sandbox mode (no configuration) in an empty temporary directory, listening on
// a free port read from its banner. Nothing is downloaded: the browser is the machine's.

import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, readdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { deflateSync } from 'node:zlib';
import assert from 'node:assert/strict';

const [binary, browserPath, shotsDir] = process.argv.slice(2);
if (!binary || !browserPath || !shotsDir) {
  console.error('usage: node webchat.mjs <aisha binary> <chromium> <screenshot dir>');
  process.exit(2);
}

const STEP_TIMEOUT = 30_000;
const work = mkdtempSync(join(tmpdir(), 'aisha-webchat-'));
const profile = mkdtempSync(join(tmpdir(), 'aisha-chromium-'));
mkdirSync(shotsDir, { recursive: true });
for (const f of readdirSync(shotsDir)) if (f.endsWith('.png')) unlinkSync(join(shotsDir, f));

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

/** A width×height RGB PNG, a gradient tinted by `shade`, so every photo is different. */
function png(width, height, shade) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) raw.set([shade, x % 256, y % 256], row + 1 + x * 3);
  }
  const chunk = (type, data) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'ascii');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const portraits = (from, to) =>
  Array.from({ length: to - from }, (_, i) => ({
    name: `me-${from + i}.png`, mimeType: 'image/png', buffer: png(640, 800, (from + i) * 20),
  }));

/** Starts the binary and resolves with the chat page URL from its banner. */
function startApp() {
  const child = spawn(binary, [], {
    cwd: work,
    env: {
      PATH: process.env.PATH,
      AISHA__HTTP__BIND: '127.0.0.1:0',
      AISHA__LOGGING__LEVEL: 'warn',
      // the defaults a new operator gets: no welcome bonus, the first image as a gift
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const banner = [];
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 60 s:\n${banner.join('\n')}`)), 60_000);
    child.on('exit', (code) => reject(new Error(`the app exited (${code}) before its banner:\n${banner.join('\n')}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      banner.push(line);
      if (line.startsWith('Stop with')) {
        clearTimeout(timer);
        resolve(banner);
      }
    });
  });
  return { child, ready };
}

const app = startApp();
let context;
let step = 0;

async function shot(page, name) {
  step += 1;
  const file = join(shotsDir, `${String(step).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file });
  console.log(`  ✓ ${String(step).padStart(2, '0')} ${name}`);
}

/** Clicks the newest button in the chat whose label matches. */
async function press(page, label) {
  const buttons = page.locator('#messages .kb-btn').filter({ hasText: label });
  await buttons.last().waitFor({ timeout: STEP_TIMEOUT });
  await buttons.last().click();
}

/** The newest bot bubble containing `text`. */
function botSays(page, text) {
  return page.locator('#messages .row.bot .bubble').filter({ hasText: text }).last();
}

async function main() {
  const banner = await app.ready;
  const last = banner[banner.length - 2] ?? '';
  const m = /^\s*chat\s+open (http:\/\/\S+\/) in a browser$/.exec(last);
  assert.ok(m, `the line before "Stop with" names the chat page; banner:\n${banner.join('\n')}`);
  const url = m[1];

  context = await chromium.launchPersistentContext(profile, {
    executablePath: browserPath,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    viewport: { width: 1180, height: 860 },
    locale: 'en-US',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (msg) => msg.type() === 'error' && problems.push(`console: ${msg.text()}`));
  page.setDefaultTimeout(STEP_TIMEOUT);

  // 1. the page, with no users yet
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.title(), 'AISHA — sandbox chat');
  await page.getByText('No users yet').waitFor();
  await shot(page, 'empty-page');

  // 2. a new Russian-speaking user
  await page.getByLabel('Name').fill('Анна');
  await page.getByLabel('Telegram language').selectOption('ru');
  await page.getByRole('button', { name: 'Add user' }).click();
  const user = page.locator('#users .user[aria-current="true"]');
  await user.waitFor();
  assert.match(await user.innerText(), /Анна[\s\S]*ru/);
  assert.equal(await page.locator('#whoami').innerText(), 'You are Анна (ru)');
  await shot(page, 'user-created');

  // 3. the command menu lists what the bot registered with setMyCommands; /start from it
  await page.getByRole('textbox', { name: 'Message' }).pressSequentially('/');
  const menu = page.locator('#menu');
  await menu.waitFor({ state: 'visible' });
  for (const cmd of ['/start', '/generate', '/gallery', '/balance']) {
    await menu.getByRole('button', { name: new RegExp(`^${cmd}\\b`) }).waitFor();
  }
  await shot(page, 'command-menu');
  await menu.getByRole('button', { name: /^\/start\b/ }).click();
  await page.locator('#messages .row.user').filter({ hasText: '/start' }).waitFor();
  await botSays(page, 'Главное меню').waitFor();
  // the bot's HTML is rendered, not shown as tags
  assert.equal(await botSays(page, 'Главное меню').locator('b').first().innerText(), 'Главное меню');
  assert.ok(!(await botSays(page, 'Главное меню').innerText()).includes('<b>'));
  await botSays(page, 'Мой подарок: 3 монеты — хватит на первое изображение').waitFor();
  await shot(page, 'start-with-gift');

  // 4. a description typed right after the welcome starts an order: format → count → model
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill('маяк на рассвете, акварель');
  await box.press('Enter');
  await page.locator('#messages .row.user').filter({ hasText: 'маяк на рассвете' }).waitFor();
  await botSays(page, 'формат').waitFor();
  await shot(page, 'description-typed');
  await press(page, '1:1');
  await botSays(page, 'Сколько вариантов').waitFor();
  await page.locator('#messages .kb-btn').filter({ hasText: /^1$/ }).last().click();
  await press(page, 'FLUX.2');
  await botSays(page, 'Проверьте заказ').waitFor();
  await shot(page, 'confirm-free-image');
  // the chat action ("AISHA is sending a photo") shows in the header while the job runs
  await page.evaluate(() => {
    const status = document.getElementById('status');
    window.seenStatuses = [];
    new MutationObserver(() => window.seenStatuses.push(status.textContent))
      .observe(status, { childList: true, characterData: true, subtree: true });
  });
  await press(page, 'Создать за 3');

  // 5. the first image, on the house (and a real, loaded image)
  await botSays(page, 'Готово: 1 из 1').waitFor({ timeout: 60_000 });
  await botSays(page, 'На балансе 0 монет').waitFor();
  const photos = page.locator('#messages .row.bot .photo img');
  assert.ok((await photos.count()) >= 1, 'the photo is in the chat');
  await page.waitForFunction(() =>
    [...document.querySelectorAll('#messages .photo img')].every((img) => img.complete && img.naturalWidth > 0));
  const statuses = await page.evaluate(() => window.seenStatuses);
  assert.ok(statuses.includes('AISHA is sending a photo'), `the action indicator showed: ${JSON.stringify(statuses)}`);
  await page.locator('#messages').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await shot(page, 'first-image-free');

  // 6. a favorite, toggled in place (the message is edited live)
  await press(page, '☆ 1');
  await page.locator('#messages .kb-btn', { hasText: '⭐ 1' }).last().waitFor();
  await shot(page, 'favorite-on');

  // 7. a second order with no coins left: the order is kept through a top-up
  await box.fill('сад камней в тумане');
  await box.press('Enter');
  await botSays(page, 'формат').waitFor();
  await press(page, '16:9');
  await botSays(page, 'Сколько вариантов').waitFor();
  await page.locator('#messages .kb-btn').filter({ hasText: /^2$/ }).last().click();
  await press(page, 'Nano Banana 2');
  await botSays(page, 'Не хватает монет').waitFor();
  await botSays(page, 'Я сохранила заказ').waitFor();
  await shot(page, 'not-enough-order-kept');
  await press(page, 'Пополнить');
  await press(page, '275 монет');
  const invoice = page.locator('#messages .invoice').last();
  await invoice.waitFor();
  assert.match(await invoice.innerText(), /⭐ 125/);
  await page.locator('#messages').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await shot(page, 'invoice');

  // 8. pay: the Stars flow through the emulator, the receipt offers the kept order
  await invoice.getByRole('button', { name: /Pay/ }).click();
  await botSays(page, 'Оплата прошла: +275 монет. Баланс: 275 монет').waitFor();
  await page.locator('#messages .service-pill').filter({ hasText: 'You paid ⭐ 125' }).waitFor();
  await invoice.getByText('Paid ✓').waitFor();
  assert.equal(await invoice.getByRole('button', { name: /Pay/ }).count(), 0, 'a paid invoice has no Pay button');
  await shot(page, 'paid');
  await press(page, 'Продолжить заказ');
  await botSays(page, 'Проверьте заказ').waitFor();
  await press(page, 'Создать за 22');
  await botSays(page, 'Готово: 2 из 2').waitFor({ timeout: 60_000 });
  await botSays(page, 'На балансе 253 монеты').waitFor();
  await page.waitForFunction(() =>
    [...document.querySelectorAll('#messages .photo img')].every((img) => img.complete && img.naturalWidth > 0));
  const width = await photos.last().evaluate((img) => img.naturalWidth);
  assert.equal(width, 1024, '16:9 at Nano Banana 2\'s 1K size');
  await page.locator('#messages').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await shot(page, 'kept-order-delivered');

  // 9. the originals, as files
  await press(page, 'Оригиналы файлами');
  await page.waitForFunction(() => document.querySelectorAll('#messages .row.bot a.document').length >= 2);
  await page.locator('#messages').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await shot(page, 'originals');

  // 10. the gallery, and the history with the top-up
  await press(page, 'Моя галерея');
  const card = page.locator('#messages .row.bot .bubble').filter({ hasText: /1 \/ 3 ·/ }).last();
  await card.waitFor();
  assert.equal(await card.locator('.photo img').count(), 1, 'the gallery card shows the image');
  await shot(page, 'gallery');
  await box.fill('/balance');
  await box.press('Enter');
  await botSays(page, '+275 пополнение (125 ⭐)').waitFor();
  await shot(page, 'balance-history');

  // 11. an avatar: a name, albums uploaded from the page, training paid from the new balance
  await box.fill('/avatars');
  await box.press('Enter');
  await press(page, 'Новый аватар');
  await botSays(page, 'Как его назвать').waitFor();
  await box.fill('Аня <3');
  await box.press('Enter');
  await press(page, 'Женщина');
  // the name is shown as text, its "<3" escaped by the bot and not taken for a tag by the page
  await botSays(page, 'Фото для «Аня <3»').waitFor();
  await page.setInputFiles('#file-input', portraits(0, 5));
  await page.locator('#messages .row.user .album .photo img').nth(4).waitFor();
  await botSays(page, '5/10 — нужно ещё 5').waitFor();
  await page.setInputFiles('#file-input', portraits(5, 10));
  await botSays(page, 'Фото: 10 — достаточно').waitFor();
  assert.equal(await page.locator('#messages .row.user .album').count(), 2, 'two albums, one bubble each');
  await page.locator('#messages').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await shot(page, 'avatar-photos');
  await press(page, 'Обучить — 150');
  await press(page, 'Обучить за 150');
  await botSays(page, 'Аватар «Аня <3» готов').waitFor({ timeout: 60_000 });
  await shot(page, 'avatar-ready');

  // 12. a photo with me in one tap: a style instead of a description
  const done = page.locator('#messages .row.bot .bubble').filter({ hasText: 'Готово: 1 из 1' });
  const finished = await done.count();
  await press(page, 'Создать фото');
  await botSays(page, 'Фото со мной').waitFor();
  await press(page, 'Стили');
  await botSays(page, 'описание я составлю сама').waitFor();
  await shot(page, 'styles');
  await press(page, 'Деловой портрет');
  await press(page, '3:4');
  await botSays(page, 'Сколько вариантов').waitFor();
  await page.locator('#messages .kb-btn').filter({ hasText: /^1$/ }).last().click();
  await press(page, 'Создать за 5');
  await done.nth(finished).waitFor({ timeout: 60_000 });
  await page.locator('#messages').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await shot(page, 'style-photo');

  // 13. a reload shows the chat as it is now
  const before = await page.locator('#messages .row').count();
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  // (the ready notice became the photos-with-me question when its button was pressed)
  await botSays(page, 'Деловой портрет').waitFor();
  assert.equal(await page.locator('#messages .row').count(), before, 'the same chat after a reload');
  assert.equal(await page.locator('#users .user[aria-current="true"] .user-name').innerText(), 'Анна');
  await shot(page, 'after-reload');

  // what people type is text, never markup
  const sneaky = '<i>not italic</i> <img src=x onerror="document.title=1"> &amp;';
  await box.fill(sneaky);
  await box.press('Enter');
  const mine = page.locator('#messages .row.user .bubble').filter({ hasText: '<i>not italic</i>' }).last();
  await mine.waitFor();
  assert.ok((await mine.innerText()).includes(sneaky), 'shown exactly as typed');
  assert.equal(await mine.locator('i, img').count(), 0, 'no element made from user text');
  assert.equal(await page.title(), 'AISHA — sandbox chat');

  assert.deepEqual(problems, [], 'no script errors on the page');

  // the app stops promptly on SIGTERM even with the page's event stream open
  const stopped = new Promise((resolve) => app.child.once('exit', resolve));
  const t0 = Date.now();
  app.child.kill('SIGTERM');
  await stopped;
  assert.ok(Date.now() - t0 < 8000, `stopped in ${Date.now() - t0} ms with a browser attached`);
}

let failed = false;
try {
  await main();
  console.log('webchat: all steps passed');
} catch (e) {
  failed = true;
  console.error('webchat: FAILED:', e);
  try {
    const page = context?.pages()[0];
    if (page) await page.screenshot({ path: join(shotsDir, 'failure.png') });
  } catch {}
} finally {
  await context?.close().catch(() => {});
  if (app.child.exitCode === null) app.child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
