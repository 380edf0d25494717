// The iCalendar feed as a real client reads it: ical.js, the parser behind
// Thunderbird's calendar, resolving times through the feed's own VTIMEZONE.
process.env.TZ = 'UTC'; // a floating time would then read as UTC and fail the checks

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import ICAL from 'ical.js';
import { start, YEAR, MEETINGS } from '../lib/stack.mjs';

let stack;
before(async () => {
  stack = await start();
});
after(async () => {
  await stack?.stop();
});

async function feed(query = '') {
  const res = await fetch(`${stack.origin}/v1/feeds/meetings.ics${query}`, { headers: { Accept: 'text/calendar' } });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('content-type'), 'text/calendar; charset=utf-8');
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  const text = await res.text();
  return { res, text, calendar: new ICAL.Component(ICAL.parse(text)) };
}

function eventsByUID(calendar) {
  const out = new Map();
  for (const vevent of calendar.getAllSubcomponents('vevent')) {
    const event = new ICAL.Event(vevent);
    out.set(event.uid, { event, vevent });
  }
  return out;
}

test('the feed is RFC 5545 with CRLF lines of at most 75 octets', async () => {
  const { text, calendar } = await feed();
  assert.ok(text.endsWith('\r\n'));
  for (const line of text.slice(0, -2).split('\r\n')) {
    assert.ok(!/[\r\n]/.test(line), `bare CR or LF in ${JSON.stringify(line)}`);
    assert.ok(Buffer.byteLength(line, 'utf8') <= 75, `longer than 75 octets: ${JSON.stringify(line)}`);
  }
  assert.equal(calendar.name, 'vcalendar');
  assert.equal(calendar.getFirstPropertyValue('version'), '2.0');
  assert.equal(calendar.getFirstPropertyValue('method'), 'PUBLISH');
  assert.ok(calendar.getFirstPropertyValue('prodid'));
  const tz = calendar.getFirstSubcomponent('vtimezone');
  assert.equal(tz?.getFirstPropertyValue('tzid'), 'Europe/Amsterdam');
});

test('times in winter and summer time are right in Europe/Amsterdam', async () => {
  const { calendar } = await feed();
  const events = eventsByUID(calendar);
  const cases = [
    // meeting, start in UTC, end in UTC, local wall clock start
    ['winter', `${YEAR}-01-14T13:00:00.000Z`, `${YEAR}-01-14T16:00:00.000Z`, 14],
    ['summer', `${YEAR}-07-08T12:00:00.000Z`, `${YEAR}-07-08T15:00:00.000Z`, 14]
  ];
  for (const [key, startUTC, endUTC, localHour] of cases) {
    const m = stack.meetings[key];
    const found = events.get(`${m.id}@pioniers`);
    assert.ok(found, `no event for the ${key} meeting`);
    const { event } = found;
    assert.equal(event.startDate.zone.tzid, 'Europe/Amsterdam', `${key}: DTSTART has no Europe/Amsterdam zone`);
    assert.equal(event.startDate.hour, localHour, `${key}: the wall clock in Amsterdam`);
    assert.equal(event.startDate.toJSDate().toISOString(), startUTC, `${key}: DTSTART`);
    assert.equal(event.endDate.toJSDate().toISOString(), endUTC, `${key}: DTEND`);
    assert.equal(event.summary, m.title);
  }
});

test('statuses, the cancelled meeting, location, URL and description', async () => {
  const { calendar } = await feed();
  const events = eventsByUID(calendar);
  assert.equal(events.size, 3);
  const status = (key) => events.get(`${stack.meetings[key].id}@pioniers`).vevent.getFirstPropertyValue('status');
  assert.equal(status('cancelled'), 'CANCELLED');
  assert.equal(status('winter'), 'CONFIRMED');
  assert.equal(status('summer'), 'TENTATIVE');

  const { event, vevent } = events.get(`${stack.meetings.winter.id}@pioniers`);
  assert.equal(event.location, 'Stadskantoor, Stadserf 1, Schiedam');
  const id = stack.meetings.winter.id;
  assert.equal(vevent.getFirstPropertyValue('url'), `${stack.origin}/embed/meetings?lang=nl&meeting=${id}#meeting-${id}`);
  assert.match(event.description, /Onderwerp: Open data in de gemeenteraad/);
  assert.match(event.description, /Gastvoorzitter: Municipality of Schiedam/);
  assert.match(event.description, /Online: https:\/\/meet\.example\.org\/winteroverleg/);
  assert.deepEqual(vevent.getFirstProperty('categories').getValues(), ['open data', 'raad']);
  assert.equal(event.sequence, 0);
  const cancelled = events.get(`${stack.meetings.cancelled.id}@pioniers`).event;
  assert.match(cancelled.description, /Te weinig aanmeldingen/);
});

test('filters and conditional requests', async () => {
  const { calendar, res } = await feed('?organisation=GM0606');
  const uids = [...eventsByUID(calendar).keys()];
  assert.deepEqual(uids, [`${stack.meetings.winter.id}@pioniers`]);
  const etag = res.headers.get('etag');
  assert.ok(etag);
  const again = await fetch(`${stack.origin}/v1/feeds/meetings.ics?organisation=GM0606`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
});

test('Dutch by default, English with lang=en; the event URL is a page for people', async () => {
  const nl = eventsByUID((await feed()).calendar);
  const en = eventsByUID((await feed('?lang=en')).calendar);
  const uid = (key) => `${stack.meetings[key].id}@pioniers`;
  assert.equal(nl.get(uid('cancelled')).event.summary, `Afgelast: ${MEETINGS.cancelled.title}`);
  assert.equal(en.get(uid('cancelled')).event.summary, `Cancelled: ${MEETINGS.cancelled.title}`);
  assert.match(nl.get(uid('summer')).event.description, /Vorm: Open Overheid-lab\nStatus: Gepland/);
  assert.match(en.get(uid('summer')).event.description, /Format: Open Government lab\nStatus: Planned/);
  assert.match(en.get(uid('cancelled')).event.description, /This meeting is cancelled: Te weinig aanmeldingen/);

  const url = en.get(uid('winter')).vevent.getFirstPropertyValue('url');
  assert.ok(url.includes('lang=en'), url);
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  const html = await page.text();
  assert.ok(html.includes(`id="meeting-${stack.meetings.winter.id}"`), 'the page has the anchor of the URL');
  assert.ok(html.includes(MEETINGS.winter.description), 'the page shows the description');
});

test('a link from a newsletter, with tracking parameters, still subscribes', async () => {
  const plain = await feed('?organisation=GM0606');
  const tracked = await feed('?organisation=GM0606&utm_source=nieuwsbrief&utm_medium=email&fbclid=IwAR0&_=1712345678901');
  assert.equal(tracked.text, plain.text);
  const typo = await fetch(`${stack.origin}/v1/feeds/meetings.ics?organsation=GM0606`);
  assert.equal(typo.status, 400, 'an unknown parameter that is no tracking parameter is still a mistake');
  assert.match((await typo.json()).detail, /organsation/);
});
