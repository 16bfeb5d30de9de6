import { existsSync } from 'node:fs';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium package (README: "apt-get install -y chromium"). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Headless Chromium for the console tests. A missing browser is a failure with the fix in the
 * message, never a silent skip: the console's browser tests are part of `npm test`.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: the operator console tests drive a real Chromium. Install it with: apt-get install -y chromium`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Basic accessibility checks a person with a screen reader or keyboard relies on (no axe package
 * here): a language, one h1, a main landmark and a skip link to it, every visible form control with
 * a label, every button and link with a name, every chart with an accessible name.
 */
export async function assertBasicAccessibility(page: Page): Promise<void> {
  const problems = (await page.evaluate(BASIC_ACCESSIBILITY_CHECK)) as string[];
  assert.deepEqual(problems, [], `accessibility problems on ${page.url()}`);
}

// Runs in the page. Plain JavaScript source: the repository's TypeScript has no DOM library.
const BASIC_ACCESSIBILITY_CHECK = `(() => {
  const found = [];
  const nameOf = (el) => (el.getAttribute('aria-label') || el.textContent || '').trim();
  if (!document.documentElement.lang) found.push('<html> has no lang');
  const h1s = document.querySelectorAll('h1').length;
  if (h1s !== 1) found.push('expected one h1, found ' + h1s);
  if (!document.querySelector('main#main')) found.push('no <main id="main"> landmark');
  if (!document.querySelector('a.skip-link[href="#main"]')) found.push('no skip link to #main');
  if (!document.title.trim()) found.push('no <title>');
  for (const control of document.querySelectorAll('input, select, textarea')) {
    if (control.type === 'hidden') continue;
    const labelled = (control.id && document.querySelector('label[for="' + CSS.escape(control.id) + '"]')) || control.getAttribute('aria-label') || control.getAttribute('aria-labelledby') || control.closest('label');
    if (!labelled) found.push('unlabelled ' + control.tagName.toLowerCase() + ' name=' + control.getAttribute('name'));
  }
  for (const el of document.querySelectorAll('button, a[href]')) if (!nameOf(el)) found.push(el.tagName.toLowerCase() + ' without a name: ' + el.outerHTML.slice(0, 80));
  for (const svg of document.querySelectorAll('svg[role="img"]')) {
    const ids = (svg.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
    if (ids.length === 0 || ids.some((i) => !(document.getElementById(i) && document.getElementById(i).textContent.trim()))) found.push('chart without an accessible name');
  }
  for (const table of document.querySelectorAll('table')) if (!table.querySelector('th')) found.push('table without header cells');
  return found;
})()`;
