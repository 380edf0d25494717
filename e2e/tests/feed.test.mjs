// The iCalendar feed as a real client reads it: ical.js, the parser behind
// Thunderbird's calendar, resolving times through the feed's own VTIMEZONE.
process.env.TZ = 'UTC'; // a floating time would then read as UTC and fail the checks

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import ICAL from 'ical.js';
import { start, YEAR } from '../lib/stack.mjs';

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
  assert.equal(vevent.getFirstPropertyValue('url'), `${stack.origin}/v1/meetings/${stack.meetings.winter.id}`);
  assert.match(event.description, /Topic: Open data in de gemeenteraad/);
  assert.match(event.description, /Guest chair: Municipality of Schiedam/);
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
