// Telegram HTML, by allow-list: the bot's `parse_mode: HTML` text becomes DOM nodes for the
// tags Telegram knows; anything else (unknown tags, stray `<`) stays visible text. Never
// innerHTML.

import { el } from '../dom.js';

const TAGS = {
  b: 'b', strong: 'b', i: 'i', em: 'i', u: 'u', ins: 'u', s: 's', strike: 's', del: 's',
  code: 'code', pre: 'pre', a: 'a', blockquote: 'blockquote', 'tg-spoiler': 'span', span: 'span',
  'tg-emoji': 'span',
};
const NAMED = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: '\u00a0' };
const TOKEN = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^<>]*)?)>|&(#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g;

function decodeEntity(name) {
  if (name[0] === '#') {
    const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : null;
  }
  return Object.hasOwn(NAMED, name) ? NAMED[name] : null;
}

function decodeText(s) {
  return s.replace(/&(#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g, (all, name) => decodeEntity(name) ?? all);
}

function attribute(attrs, name) {
  const m = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s"'>]+))`, 'i').exec(attrs);
  return m ? decodeText(m[1] ?? m[2] ?? m[3] ?? '') : null;
}

/** `href` if it is an http, https, tg or mailto link (made absolute), else null. */
export function safeUrl(href) {
  if (!href) return null;
  try {
    const url = new URL(href, location.href);
    return ['http:', 'https:', 'tg:', 'mailto:'].includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/** Appends Telegram-HTML `source` to `parent` as DOM nodes; unknown tags stay visible text. */
export function renderHtml(source, parent) {
  const stack = [{ name: null, node: parent }];
  let text = '';
  let last = 0;
  const flush = () => {
    if (text) stack[stack.length - 1].node.append(document.createTextNode(text));
    text = '';
  };
  for (const m of source.matchAll(TOKEN)) {
    text += source.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[4] !== undefined) {
      text += decodeEntity(m[4]) ?? m[0];
      continue;
    }
    const closing = m[1] === '/';
    const name = m[2].toLowerCase();
    const attrs = m[3] || '';
    const spoilerSpan = name === 'span' && /(^|\s)tg-spoiler(\s|$)/.test(attribute(attrs, 'class') || '');
    if (!Object.hasOwn(TAGS, name) || (name === 'span' && !closing && !spoilerSpan)) {
      text += m[0];
      continue;
    }
    if (closing) {
      let i = stack.length - 1;
      while (i > 0 && stack[i].name !== name) i--;
      if (i === 0) {
        text += m[0];
        continue;
      }
      flush();
      stack.length = i;
      continue;
    }
    flush();
    let node;
    if (name === 'a') {
      node = document.createElement('a');
      const href = safeUrl(attribute(attrs, 'href'));
      if (href) {
        node.href = href;
        node.target = '_blank';
        node.rel = 'noopener noreferrer';
      }
    } else if (name === 'tg-spoiler' || spoilerSpan) {
      node = el('span', { class: 'spoiler', tabindex: 0, role: 'button', 'aria-label': 'Spoiler, press to reveal' });
      const reveal = () => {
        node.classList.add('revealed');
        node.removeAttribute('role');
        node.removeAttribute('aria-label');
      };
      node.addEventListener('click', reveal);
      node.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && reveal());
    } else if (name === 'tg-emoji') {
      node = document.createElement('span');
    } else {
      node = document.createElement(TAGS[name]);
      if (name === 'blockquote' && /(^|\s)expandable/i.test(attrs)) node.className = 'expandable';
    }
    stack[stack.length - 1].node.append(node);
    stack.push({ name, node });
  }
  text += source.slice(last);
  flush();
}

/** A message body with `source` (its text or caption): Telegram HTML if the message says so, else plain text. */
export function formatted(message, source) {
  const body = el('div', { class: 'body' });
  if (!source) return body;
  if (message.parse_mode === 'HTML') renderHtml(source, body);
  else body.textContent = source;
  return body;
}
