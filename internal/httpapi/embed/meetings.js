/*
 * <pioniers-meetings organisation="GM0606" lang="nl" limit="5"></pioniers-meetings>
 *
 * The upcoming meetings of the Pioniersnetwerk Open Overheid, read from the
 * public JSON of the API that serves this script (one request per element).
 * No cookies, no requests to anyone else, no build step: paste the script
 * tag and the element.
 *
 * The script also fits the height of every iframe of this API's
 * /embed/meetings page on the same page to its content: the page posts
 * { type: 'pioniers-meetings:height', height } to its parent.
 *
 * Attributes: organisation (id or code, such as GM0606: meetings it hosts or
 * chairs), lang (nl or en; else the page's language), limit (1 to 20,
 * default 5), heading-level (2 to 5, default 2: the level of the list's
 * heading; each meeting's heading is one deeper).
 */
(() => {
  'use strict';

  // The API is wherever this script came from.
  const script = document.currentScript;
  const API = new URL(script && script.src ? script.src : window.location.href).origin;

  // Fit the iframes of the schedule to their content, once per page.
  if (!window.__pioniersMeetingsResize) {
    window.__pioniersMeetingsResize = true;
    window.addEventListener('message', (e) => {
      const h = e.data && e.data.type === 'pioniers-meetings:height' ? Number(e.data.height) : NaN;
      if (e.origin !== API || !(h > 0 && h < 100000)) {
        return;
      }
      for (const frame of document.querySelectorAll('iframe')) {
        if (frame.contentWindow === e.source) {
          frame.style.height = Math.ceil(h) + 'px';
        }
      }
    });
  }

  if (!('customElements' in window) || customElements.get('pioniers-meetings')) {
    return;
  }
  const TIME_ZONE = 'Europe/Amsterdam';
  const DEFAULT_LIMIT = 5;
  const MAX_LIMIT = 20;

  const TEXT = {
    nl: {
      locale: 'nl-NL',
      title: 'Komende bijeenkomsten',
      network: 'Pioniersnetwerk Open Overheid',
      topic: 'Onderwerp',
      format: 'Vorm',
      location: 'Locatie',
      guestChair: 'Gastvoorzitter',
      status: 'Status',
      loading: 'Bijeenkomsten laden…',
      empty: 'Er zijn geen komende bijeenkomsten.',
      error: 'De bijeenkomsten konden niet worden geladen.',
      subscribe: 'Abonneer je op de agenda (webcal)',
      download: 'Download de agenda (.ics)',
      online: 'Online',
      callForPapers: 'Call for papers',
      callUntil: 'open tot en met ',
      formats: {
        'knowledge-session': 'Kennissessie',
        'open-government-lab': 'Open Overheid-lab',
        conference: 'Congres',
        'residents-meeting': 'Inwonersbijeenkomst',
        other: 'Bijeenkomst'
      },
      statuses: { planned: 'Gepland', confirmed: 'Bevestigd' }
    },
    en: {
      locale: 'en-GB',
      title: 'Upcoming meetings',
      network: 'Pioneering Network for an Open Government for Municipalities',
      topic: 'Topic',
      format: 'Format',
      location: 'Location',
      guestChair: 'Guest chair',
      status: 'Status',
      loading: 'Loading meetings…',
      empty: 'There are no upcoming meetings.',
      error: 'The meetings could not be loaded.',
      subscribe: 'Subscribe to the calendar (webcal)',
      download: 'Download the calendar (.ics)',
      online: 'Online',
      callForPapers: 'Call for papers',
      callUntil: 'open until ',
      formats: {
        'knowledge-session': 'Knowledge session',
        'open-government-lab': 'Open Government lab',
        conference: 'Conference',
        'residents-meeting': "Residents' meeting",
        other: 'Meeting'
      },
      statuses: { planned: 'Planned', confirmed: 'Confirmed' }
    }
  };

  const STYLE = [
    ':host{display:block;margin:0 0 1.5rem;color:#1a1a1a;background:#fff;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",sans-serif;line-height:1.5}',
    ':host([hidden]){display:none}',
    '.heading{font-size:1.25rem;line-height:1.3;margin:0}',
    '.network{margin:.125rem 0 1rem;color:#4a4a4a;font-size:.9375rem}',
    'ul{list-style:none;margin:0;padding:0}',
    'li{border-top:1px solid #c9c9c9;padding:.75rem 0}',
    'li:last-child{border-bottom:1px solid #c9c9c9}',
    '.meeting{font-size:1.0625rem;line-height:1.35;margin:0 0 .25rem}',
    '.when{margin:0;font-weight:600}',
    'dl{margin:.25rem 0 0;display:grid;grid-template-columns:max-content 1fr;gap:0 .75rem;font-size:.9375rem}',
    'dt{color:#4a4a4a}',
    'dd{margin:0}',
    '.status{display:inline-block;padding:0 .375rem;border-radius:.25rem;font-size:.875rem;font-weight:600}',
    '.status-planned{color:#5c3c00;background:#fff4d6}',
    '.status-confirmed{color:#14532d;background:#e3f4e8}',
    '.empty,.error,.loading{margin:0;padding:.75rem 0;border-top:1px solid #c9c9c9;border-bottom:1px solid #c9c9c9}',
    '.subscribe{margin:1rem 0 0}',
    'a{color:#00457c;text-decoration:underline;text-underline-offset:.15em}',
    'a:hover{text-decoration-thickness:2px}',
    'a:focus-visible{outline:3px solid #00457c;outline-offset:2px;border-radius:2px}',
    'dd{overflow-wrap:anywhere}'
  ].join('\n');

  // A constructed stylesheet is not inline style, so a strict Content
  // Security Policy on the embedding page does not block it.
  let sheet = null;
  function applyStyle(root) {
    try {
      if (!sheet) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(STYLE);
      }
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      const style = document.createElement('style');
      style.textContent = STYLE;
      root.appendChild(style);
    }
  }

  function el(name, attrs, children) {
    const node = document.createElement(name);
    for (const [k, v] of Object.entries(attrs || {})) {
      node.setAttribute(k, v);
    }
    for (const c of children || []) {
      if (c != null) {
        node.append(c); // strings become text, never markup
      }
    }
    return node;
  }

  // The day in Amsterdam, as YYYY-MM-DD, to tell whether a meeting ends on the day it starts.
  const DAY = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });
  const dayKey = (date) => DAY.format(date);

  function formatters(locale) {
    return {
      date: new Intl.DateTimeFormat(locale, { timeZone: TIME_ZONE, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }),
      time: new Intl.DateTimeFormat(locale, { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    };
  }

  function location(m) {
    if (m.venue) {
      return [m.venue.name, m.venue.address, m.venue.city].filter((p) => p && p.trim()).join(', ');
    }
    return '';
  }

  // The link to join online, when it is a web address.
  function onlineLink(m) {
    if (!m.onlineUrl || !/^https?:\/\//i.test(m.onlineUrl)) {
      return null;
    }
    return el('a', { class: 'online', href: m.onlineUrl, target: '_blank', rel: 'noopener noreferrer' }, [m.onlineUrl]);
  }

  // "open until <date>" while a conference's call for papers is open
  // today in Amsterdam (both days included), else ''.
  function callText(m, t, f) {
    const call = m.details && m.details.callForPapers;
    const today = dayKey(new Date());
    if (!call || m.status === 'cancelled' || today < call.opensOn || today > call.closesOn) {
      return '';
    }
    // A date, not an instant: noon UTC is that day in Amsterdam too.
    return t.callUntil + f.date.format(new Date(call.closesOn + 'T12:00:00Z'));
  }

  // The start of the current minute, in UTC: the same URL for a minute, so caches help.
  function nowParam() {
    const d = new Date(Math.floor(Date.now() / 60000) * 60000);
    return d.toISOString().replace('.000Z', 'Z');
  }

  class PioniersMeetings extends HTMLElement {
    static get observedAttributes() {
      return ['organisation', 'lang', 'limit', 'heading-level'];
    }

    connectedCallback() {
      if (!this._root) {
        this._root = this.attachShadow({ mode: 'open' });
        applyStyle(this._root);
        this._box = el('div');
        this._root.appendChild(this._box);
      }
      this._schedule();
    }

    attributeChangedCallback() {
      if (this._root) {
        this._schedule();
      }
    }

    // Several attributes may change at once; load once.
    _schedule() {
      if (this._pending) {
        return;
      }
      this._pending = true;
      Promise.resolve().then(() => {
        this._pending = false;
        this._load();
      });
    }

    _lang() {
      const inherited = this.parentElement && this.parentElement.closest('[lang]');
      const lang = (this.getAttribute('lang') || (inherited && inherited.getAttribute('lang')) || document.documentElement.lang || 'nl').toLowerCase();
      return lang.startsWith('en') ? 'en' : 'nl';
    }

    _limit() {
      const n = parseInt(this.getAttribute('limit'), 10);
      return isNaN(n) ? DEFAULT_LIMIT : Math.min(Math.max(n, 1), MAX_LIMIT);
    }

    _headingLevel() {
      const n = parseInt(this.getAttribute('heading-level'), 10);
      return isNaN(n) ? 2 : Math.min(Math.max(n, 2), 5);
    }

    _organisation() {
      return (this.getAttribute('organisation') || '').trim();
    }

    // The calendar feed in the element's language: the .ics download and
    // the same URL as a webcal:// subscription.
    _feedURLs(lang) {
      const url = new URL('/v1/feeds/meetings.ics', API);
      url.searchParams.set('lang', lang);
      if (this._organisation()) {
        url.searchParams.set('organisation', this._organisation());
      }
      return { download: url.href, webcal: url.href.replace(/^https?:/, 'webcal:') };
    }

    // The upcoming meetings: planned and confirmed ones that have not
    // ended, soonest first, in one request: the list without a status
    // filter, a few more than needed, less the cancelled ones. Only when
    // cancelled meetings crowd out the rest does it read the next page.
    async _fetch(limit) {
      const out = [];
      let cursor = '';
      for (let page = 0; page < 5; page++) {
        const url = new URL('/v1/meetings', API);
        url.searchParams.set('from', nowParam());
        url.searchParams.set('pageSize', String(Math.min(limit + 10, 100)));
        if (this._organisation()) {
          url.searchParams.set('organisation', this._organisation());
        }
        if (cursor) {
          url.searchParams.set('cursor', cursor);
        }
        const res = await fetch(url.href, { credentials: 'omit', headers: { Accept: 'application/json' } });
        if (!res.ok) {
          throw new Error('HTTP ' + res.status);
        }
        const body = await res.json();
        out.push(...(body.items || []).filter((m) => m.status === 'planned' || m.status === 'confirmed'));
        cursor = body.nextCursor || '';
        if (out.length >= limit || !cursor) {
          break;
        }
      }
      return out.slice(0, limit);
    }

    async _load() {
      const seq = (this._seq = (this._seq || 0) + 1);
      const lang = this._lang();
      const t = TEXT[lang];
      this._show(lang, el('p', { class: 'loading', role: 'status' }, [t.loading]), true);
      let content;
      try {
        content = this._list(await this._fetch(this._limit()), t);
      } catch (e) {
        content = el('p', { class: 'error', role: 'alert' }, [t.error]);
      }
      if (seq === this._seq) {
        this._show(lang, content, false);
      }
    }

    _list(items, t) {
      if (!items.length) {
        return el('p', { class: 'empty' }, [t.empty]);
      }
      const f = formatters(t.locale);
      const level = this._headingLevel() + 1;
      return el('ul', {}, items.map((m) => {
        const start = new Date(m.startsAt);
        const end = new Date(m.endsAt);
        let endText = f.time.format(end);
        if (dayKey(start) !== dayKey(end)) {
          endText = f.date.format(end) + ', ' + endText;
        }
        const dl = el('dl');
        const rows = [[t.topic, m.topic], [t.format, t.formats[m.format] || m.format], [t.location, location(m)],
          [t.online, onlineLink(m)], [t.guestChair, m.guestChair && m.guestChair.name], [t.callForPapers, callText(m, t, f)]];
        for (const [label, value] of rows) {
          if (value) {
            dl.append(el('dt', {}, [label]), el('dd', {}, [value]));
          }
        }
        dl.append(el('dt', {}, [t.status]),
          el('dd', {}, [el('span', { class: 'status status-' + m.status }, [t.statuses[m.status] || m.status])]));
        return el('li', {}, [
          el('h' + level, { class: 'meeting' }, [m.title]),
          el('p', { class: 'when' }, [
            el('time', { datetime: m.startsAt }, [f.date.format(start) + ', ' + f.time.format(start)]),
            '–',
            el('time', { datetime: m.endsAt }, [endText])
          ]),
          dl
        ]);
      }));
    }

    _show(lang, content, busy) {
      const t = TEXT[lang];
      const feed = this._feedURLs(lang);
      // A plain block, not a landmark: the embedding page has its own, and
      // several schedules on one page would otherwise be landmarks of one name.
      this._box.replaceChildren(el('div', { class: 'schedule', lang: lang, 'aria-busy': busy ? 'true' : 'false' }, [
        el('h' + this._headingLevel(), { class: 'heading' }, [t.title]),
        el('p', { class: 'network' }, [t.network]),
        content,
        el('p', { class: 'subscribe' }, [
          el('a', { class: 'webcal', href: feed.webcal }, [t.subscribe]),
          ' · ',
          el('a', { class: 'download', href: feed.download }, [t.download])
        ])
      ]));
    }
  }

  customElements.define('pioniers-meetings', PioniersMeetings);
})();
