import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, html, queryString, SafeHtml, trustedHtml } from './html-template';
import { deliveriesPage } from './tenant-pages';
import { lineChart, niceMax, stackedBarChart } from './svg-charts';
import type { ConsoleSession } from '../session/console-session';

const HOSTILE = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' onmouseover='alert(1)",
  '`${alert(1)}`',
  '</textarea><svg onload=alert(1)>',
  '&lt;already-escaped&gt;',
  '<!--',
  ']]><![CDATA[',
];

interface Tag {
  name: string;
  attributes: string[];
}

/** Start tags as a browser tokenizer sees them (quoted and unquoted attribute values honoured). */
function startTags(markup: string): Tag[] {
  const tags: Tag[] = [];
  let i = 0;
  while ((i = markup.indexOf('<', i)) >= 0) {
    const name = /^<([a-zA-Z][a-zA-Z0-9-]*)/.exec(markup.slice(i))?.[1];
    i += 1;
    if (!name) continue;
    i += name.length;
    const attributes: string[] = [];
    while (i < markup.length && markup[i] !== '>') {
      if (/[\s/]/.test(markup[i])) {
        i++;
        continue;
      }
      const attr = /^[^\s/>=]+/.exec(markup.slice(i))?.[0] ?? markup[i];
      attributes.push(attr.toLowerCase());
      i += attr.length;
      while (/\s/.test(markup[i] ?? '')) i++;
      if (markup[i] === '=') {
        i++;
        while (/\s/.test(markup[i] ?? '')) i++;
        const quote = markup[i];
        if (quote === '"' || quote === "'") i = markup.indexOf(quote, i + 1) + 1;
        else while (i < markup.length && !/[\s>]/.test(markup[i])) i++;
      }
    }
    tags.push({ name: name.toLowerCase(), attributes });
  }
  return tags;
}

/** True when `markup` has an element or an event-handler attribute that the templates never write. */
function hasInjectedMarkup(markup: string): boolean {
  return startTags(markup).some(
    (t) => ['script', 'img', 'iframe', 'object', 'embed'].includes(t.name) || (t.name === 'svg' && !t.attributes.includes('viewbox')) || t.attributes.some((a) => a.startsWith('on')),
  );
}

describe('html template', () => {
  it('escapes every interpolated string in element content and in attributes', () => {
    for (const hostile of HOSTILE) {
      const out = html`<td title="${hostile}" data-x='${hostile}'>${hostile}</td>`.value;
      assert.equal(hasInjectedMarkup(out), false, out);
      assert.doesNotMatch(out.slice(out.indexOf('>') + 1, out.lastIndexOf('</td>')), /[<>]/, out);
      // Each value stays inside its own attribute: exactly the two quotes of title and the two of data-x.
      const tag = out.slice(0, out.indexOf('>') + 1);
      assert.equal((tag.match(/"/g) ?? []).length, 2, tag);
      assert.equal((tag.match(/'/g) ?? []).length, 2, tag);
    }
  });

  it('maps the five HTML-significant characters and the backtick to entities', () => {
    assert.equal(escapeHtml(`&<>"'\``), '&amp;&lt;&gt;&quot;&#39;&#96;');
    assert.equal(escapeHtml('&amp;'), '&amp;amp;', 'escaped text is escaped again, not trusted');
  });

  it('keeps nested html fragments as markup and escapes array elements one by one', () => {
    const items = ['<b>one</b>', html`<i>two</i>`];
    assert.equal(html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`.value, '<ul><li>&lt;b&gt;one&lt;/b&gt;</li><li><i>two</i></li></ul>');
  });

  it('renders null, undefined and false as nothing, numbers and true as text', () => {
    assert.equal(html`[${null}${undefined}${false}${0}${true}${12n}]`.value, '[0true12]');
  });

  it('does not treat look-alike objects as safe markup', () => {
    const fake = { value: '<script>alert(1)</script>', toString: () => '<script>alert(1)</script>' } as unknown as string;
    assert.equal(html`${fake}`.value, '&lt;script&gt;alert(1)&lt;/script&gt;');
    assert.ok(trustedHtml('<b>x</b>') instanceof SafeHtml);
  });

  it('builds query strings with encoded values and without empty entries', () => {
    assert.equal(queryString({ a: 'x y&z', b: '', c: undefined, d: 3 }), '?a=x+y%26z&d=3');
    assert.equal(queryString({}), '');
  });
});

describe('console pages with hostile data', () => {
  const session: ConsoleSession = { subject: 'admin-token', method: 'admin-token', roles: ['console:read', 'console:operate'], expiresAt: Date.now() + 60_000, csrfToken: '"><script>alert(1)</script>' };
  const tenantId = '0b7a4c2e-1111-4222-8333-944445555666';

  it('a delivery log full of hostile values renders no injected markup', () => {
    const hostile = HOSTILE.join(' ');
    const page = deliveriesPage(
      session,
      { id: tenantId, name: hostile },
      { eventType: hostile, since: hostile },
      [
        {
          id: '1c1c1c1c-2222-4333-8444-555566667777', tenantId, subscriptionId: '2d2d2d2d-2222-4333-8444-555566667777', eventId: hostile, eventType: hostile,
          status: 'failed', attemptCount: 1, nextAttemptAt: null, lastStatusCode: 500, lastError: hostile, createdAt: new Date().toISOString(), completedAt: null,
        },
      ],
      [{ id: '2d2d2d2d-2222-4333-8444-555566667777', tenantId, url: hostile, eventTypes: [hostile], description: hostile } as never],
      100,
    );
    assert.equal(hasInjectedMarkup(page.replace('<script src="/console/assets/console.js" defer></script>', '')), false);
    assert.equal(hasInjectedMarkup(`<p>${HOSTILE[1]}</p>`), true, 'the check itself finds unescaped markup');
    assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  });

  it('charts escape their labels and titles', () => {
    const spec = {
      id: 'c"><script>',
      title: '<script>alert(1)</script>',
      description: '"><img src=x onerror=alert(1)>',
      unit: '<b>',
      series: [{ key: 'a', label: '<svg onload=alert(1)>', cssClass: 'x" onclick="alert(1)' }],
      buckets: [{ label: '</title><script>', values: { a: 3 } }, { label: 'ok', values: { a: null } }],
    };
    for (const chart of [stackedBarChart(spec), lineChart(spec)]) {
      const markup = chart.value;
      assert.ok(markup.startsWith('<figure'));
      assert.equal(hasInjectedMarkup(markup), false, markup);
    }
  });

  it('rounds chart axes up to 1, 2 or 5 times a power of ten', () => {
    assert.deepEqual([0, 0.3, 1, 3, 7, 11, 180, 501].map(niceMax), [1, 0.5, 1, 5, 10, 20, 200, 1000]);
  });
});
