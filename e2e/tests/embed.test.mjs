// The embeddable schedule on a municipal website, in Debian's headless
// Chromium: a host page on another origin embeds the iframe and the custom
// element, in Dutch and in English. It must show the upcoming meetings in
// Amsterdam time, talk to no one but the two local origins, set no cookies,
// and pass axe-core without violations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { start, freePort, repoRoot, YEAR } from '../lib/stack.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
];
// Playwright refuses --user-data-dir with launch(); it gives every launch a
// fresh temporary profile of its own instead.
const ARTIFACTS = join(repoRoot, 'test-artifacts');

const TEXT = {
  nl: { heading: 'Komende bijeenkomsten', empty: 'Er zijn geen komende bijeenkomsten.', winter: `14 januari ${YEAR}`, summer: `8 juli ${YEAR}`, confirmed: 'Bevestigd', planned: 'Gepland' },
  en: { heading: 'Upcoming meetings', empty: 'There are no upcoming meetings.', winter: `14 January ${YEAR}`, summer: `8 July ${YEAR}`, confirmed: 'Confirmed', planned: 'Planned' }
};

let stack, host, hostOrigin, browser;

// The municipal website: its own origin, a strict policy of its own that
// allows the API's script, frame and JSON and nothing else from outside.
function hostPage(lang, api) {
  const other = lang === 'nl' ? 'Gemeente Voorbeeld' : 'Example Municipality';
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<title>${other}</title>
<script src="${api}/embed/meetings.js" defer></script>
</head>
<body>
<header><p>${other}</p></header>
<main>
<h1>${lang === 'nl' ? 'Pioniersnetwerk Open Overheid' : 'Pioneering Network for an Open Government'}</h1>
<div style="display:flex;gap:2rem;align-items:flex-start">
<div style="flex:1">
<h2>Iframe</h2>
<iframe id="frame" src="${api}/embed/meetings?lang=${lang}" title="${TEXT[lang].heading}" width="100%" height="560" style="border:1px solid #ccc;display:block"></iframe>
</div>
<div style="flex:1">
<h2>Custom element</h2>
<pioniers-meetings id="element" lang="${lang}" limit="5" heading-level="3"></pioniers-meetings>
<pioniers-meetings id="utrecht" lang="${lang}" organisation="GM0344" limit="1" heading-level="3"></pioniers-meetings>
<pioniers-meetings id="leoo" lang="${lang}" organisation="leoo" heading-level="3"></pioniers-meetings>
</div>
</div>
</main>
</body>
</html>`;
}

before(async () => {
  stack = await start();
  const port = await freePort();
  hostOrigin = `http://127.0.0.1:${port}`;
  host = createServer((req, res) => {
    const url = new URL(req.url, hostOrigin);
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const lang = url.searchParams.get('lang') === 'en' ? 'en' : 'nl';
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': `default-src 'self'; script-src ${stack.origin}; connect-src ${stack.origin}; frame-src ${stack.origin}; style-src 'self' 'unsafe-inline'`
    });
    res.end(hostPage(lang, stack.origin));
  });
  await new Promise((r) => host.listen(port, '127.0.0.1', r));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  mkdirSync(ARTIFACTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await new Promise((r) => (host ? host.close(r) : r()));
  await stack?.stop();
});

// watch records every request, response header and console problem of a context.
function watch(context, page) {
  const seen = { requests: [], cookies: [], problems: [] };
  context.on('request', (req) => seen.requests.push(req.url()));
  context.on('response', async (res) => {
    const cookie = await res.headerValue('set-cookie').catch(() => null);
    if (cookie) seen.cookies.push(`${res.url()}: ${cookie}`);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') seen.problems.push(msg.text());
  });
  page.on('pageerror', (err) => seen.problems.push(String(err)));
  return seen;
}

async function waitForElement(page, selector) {
  await page.waitForFunction((sel) => {
    const section = document.querySelector(sel)?.shadowRoot?.querySelector('.schedule');
    return section && section.getAttribute('aria-busy') === 'false';
  }, selector);
}

for (const lang of ['nl', 'en']) {
  test(`the iframe and the custom element show the upcoming meetings (${lang})`, async () => {
    const context = await browser.newContext({
      locale: lang === 'nl' ? 'nl-NL' : 'en-GB',
      timezoneId: 'UTC',
      viewport: { width: 1280, height: 1300 }
    });
    const page = await context.newPage();
    const seen = watch(context, page);
    await page.goto(`${hostOrigin}/?lang=${lang}`);
    await waitForElement(page, '#element');
    await waitForElement(page, '#utrecht');
    await waitForElement(page, '#leoo');
    const t = TEXT[lang];

    // The iframe, rendered by the server.
    const frame = page.frameLocator('#frame');
    await assert.doesNotReject(frame.locator('h1').filter({ hasText: t.heading }).waitFor());
    const frameItems = frame.locator('li');
    assert.equal(await frameItems.count(), 2, 'the iframe lists the two upcoming meetings');
    await checkItems(frameItems, t, lang);
    assert.equal(await frame.locator('html').getAttribute('lang'), lang);

    // The custom element, rendered in the browser (the timezoneId of UTC
    // shows that it formats in Amsterdam's time, not the visitor's).
    const items = page.locator('#element li');
    assert.equal(await items.count(), 2, 'the element lists the two upcoming meetings');
    await checkItems(items, t, lang);
    assert.equal(await page.locator('#element .schedule').getAttribute('lang'), lang);
    assert.equal((await page.locator('#element h3.heading').textContent()).trim(), t.heading);
    const utrecht = page.locator('#utrecht li');
    assert.equal(await utrecht.count(), 1, 'organisation="GM0344" keeps only what Utrecht hosts or chairs');
    assert.match(await utrecht.first().textContent(), /Zomerlab/);
    assert.equal(await page.locator('#leoo li').count(), 0);
    assert.equal((await page.locator('#leoo .empty').textContent()).trim(), t.empty, 'an organisation without meetings says so');

    // The online link of the hybrid meeting, and a webcal:// subscription
    // next to the .ics download, in the page's language.
    const online = 'https://meet.example.org/winteroverleg';
    assert.equal(await frameItems.nth(0).locator('a.online').getAttribute('href'), online);
    assert.equal(await items.nth(0).locator('a.online').getAttribute('href'), online);
    assert.equal(await frameItems.nth(1).locator('a.online').count(), 0, 'a meeting without an online link shows none');
    const host = new URL(stack.origin).host;
    for (const [what, scope] of [['iframe', frame.locator('body')], ['element', page.locator('#element')]]) {
      assert.equal(await scope.locator('a.webcal').getAttribute('href'), `webcal://${host}/v1/feeds/meetings.ics?lang=${lang}`, `${what}: webcal link`);
      assert.equal(new URL(await scope.locator('a.download').getAttribute('href'), stack.origin).href,
        `${stack.origin}/v1/feeds/meetings.ics?lang=${lang}`, `${what}: .ics link`);
    }
    assert.equal(await page.locator('#utrecht a.webcal').getAttribute('href'), `webcal://${host}/v1/feeds/meetings.ics?lang=${lang}&organisation=GM0344`);

    // The iframe tells the page its height, and the embed script fits it.
    await page.waitForFunction(() => document.getElementById('frame').style.height !== '');
    const contentHeight = await page.frame({ url: /\/embed\/meetings/ }).evaluate(() => document.documentElement.getBoundingClientRect().height);
    const frameHeight = await page.evaluate(() => document.getElementById('frame').clientHeight);
    assert.ok(Math.abs(frameHeight - contentHeight) <= 1, `the iframe is ${frameHeight}px high; its content ${contentHeight}px`);
    assert.ok(frameHeight < 560, `the iframe kept its pasted height of 560px (${frameHeight}px)`);

    // One request per element: three elements, three reads of the list.
    const reads = seen.requests.filter((u) => u.startsWith(`${stack.origin}/v1/meetings?`));
    assert.equal(reads.length, 3, `reads of /v1/meetings: ${reads.join(' ')}`);

    // Keyboard: Tab reaches the links inside the iframe and the element.
    const reached = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      reached.push(
        await page.evaluate(() => {
          let el = document.activeElement;
          const path = [];
          while (el) {
            path.push(el.id || el.tagName.toLowerCase());
            el = el.shadowRoot?.activeElement;
          }
          return path.join('>');
        })
      );
    }
    assert.ok(reached.includes('frame'), `Tab never reached the iframe: ${reached}`);
    assert.ok(reached.some((p) => p.startsWith('element>a')), `Tab never reached the element's link: ${reached}`);

    await page.mouse.move(0, 0);
    await page.evaluate(() => {
      document.activeElement?.blur();
      window.scrollTo(0, 0);
    });
    await page.screenshot({ path: join(ARTIFACTS, `embed-${lang}.png`) });

    // Nothing but the two local origins, no cookies, no console problems.
    const origins = new Set(seen.requests.map((u) => new URL(u).origin));
    for (const o of origins) {
      assert.ok(o === hostOrigin || o === stack.origin, `a request went to ${o}`);
    }
    assert.ok(origins.has(stack.origin));
    assert.ok(seen.requests.some((u) => u.startsWith(`${stack.origin}/v1/meetings?`)), 'the element read the public JSON');
    assert.deepEqual(seen.cookies, [], 'no response sets a cookie');
    assert.deepEqual(await context.cookies(), [], 'the browser holds no cookie');
    assert.deepEqual(seen.problems, [], 'no console errors (such as Content Security Policy violations)');
    await context.close();
  });

  test(`axe-core finds no violations (${lang})`, async () => {
    // bypassCSP only so that axe can be injected; the policies are tested above.
    const context = await browser.newContext({ bypassCSP: true, locale: lang === 'nl' ? 'nl-NL' : 'en-GB' });
    const page = await context.newPage();

    await page.goto(`${stack.origin}/embed/meetings?lang=${lang}`);
    await page.screenshot({ path: join(ARTIFACTS, `embed-iframe-${lang}.png`), fullPage: true });
    await page.addScriptTag({ path: AXE });
    assertNoViolations('iframe page', await page.evaluate(() => window.axe.run(document)));

    await page.goto(`${hostOrigin}/?lang=${lang}`);
    await waitForElement(page, '#element');
    await page.frameLocator('#frame').locator('h1').waitFor();
    for (const frame of page.frames()) {
      await frame.addScriptTag({ path: AXE });
    }
    assertNoViolations('host page with the element and the iframe', await page.evaluate(() => window.axe.run(document)));
    await context.close();
  });
}

test('the call for papers of a conference, while it is open', async () => {
  const yesterday = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
  const res = await fetch(`${stack.origin}/v1/meetings`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${stack.token}` },
    body: JSON.stringify({
      title: 'Congres Open Overheid', topic: 'Open overheid', format: 'conference',
      details: { format: 'conference', callForPapers: { opensOn: yesterday, closesOn: `${YEAR}-01-08` } },
      startsAt: `${YEAR}-02-10T09:00:00Z`, endsAt: `${YEAR}-02-10T16:00:00Z`,
      venue: { name: 'Jaarbeurs', city: 'Utrecht' }
    })
  });
  assert.equal(res.status, 201, await res.text());
  const context = await browser.newContext({ locale: 'nl-NL', timezoneId: 'UTC' });
  const page = await context.newPage();
  await page.goto(`${hostOrigin}/?lang=nl`);
  await waitForElement(page, '#element');
  const element = (await page.locator('#element li').filter({ hasText: 'Congres Open Overheid' }).textContent()).replace(/\s+/g, ' ');
  assert.match(element, new RegExp(`Call for papers ?open tot en met \\S+ 8 januari ${YEAR}`), element);
  const frame = page.frameLocator('#frame');
  await frame.locator('h1').waitFor();
  const inFrame = await frame.locator('li').filter({ hasText: 'Congres Open Overheid' }).locator('.call').textContent();
  assert.match(inFrame, new RegExp(`^open tot en met \\S+ 8 januari ${YEAR}$`), inFrame);
  await context.close();
});

async function checkItems(items, t, lang) {
  const winter = await items.nth(0).textContent();
  const summer = await items.nth(1).textContent();
  // Both start at 14:00 in Amsterdam: 13:00 UTC in winter, 12:00 UTC in summer.
  assert.match(winter, /Winteroverleg/);
  assert.ok(winter.includes(t.winter) && winter.includes('14:00') && winter.includes('17:00'), `winter (${lang}): ${winter}`);
  assert.ok(winter.includes(t.confirmed) && winter.includes('Stadskantoor, Stadserf 1, Schiedam'), `winter (${lang}): ${winter}`);
  assert.match(summer, /Zomerlab/);
  assert.ok(summer.includes(t.summer) && summer.includes('14:00') && summer.includes('17:00'), `summer (${lang}): ${summer}`);
  assert.ok(summer.includes(t.planned), `summer (${lang}): ${summer}`);
  assert.equal(await items.nth(0).locator('time').first().getAttribute('datetime'), `${YEAR}-01-14T13:00:00Z`);
  assert.equal(await items.nth(1).locator('time').first().getAttribute('datetime'), `${YEAR}-07-08T12:00:00Z`);
  const all = await items.allTextContents();
  assert.ok(!all.join(' ').includes('afgelast'), 'the cancelled meeting is not shown');
}

function assertNoViolations(what, results) {
  const summary = results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n` + v.nodes.map((n) => `  ${n.target.join(' ')}: ${n.failureSummary}`).join('\n')
  );
  assert.deepEqual(summary, [], `axe-core violations on the ${what}`);
  assert.ok(results.passes.length > 10, `axe-core ran on the ${what}`);
}
