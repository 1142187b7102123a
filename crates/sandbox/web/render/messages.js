// The open chat: one row per block (a message, or the messages of one album), as Telegram
// shows it — the bot on the left, the user on the right, service notes in the middle.

import { $, el } from '../dom.js';
import { state } from '../state.js';
import { formatted } from './html.js';
import { documentNode, photoNode } from './media.js';
import { invoiceNode, keyboardNode } from './keyboards.js';

const time = (unix) =>
  new Date(unix * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

function meta(message) {
  const edited = message.edits > 0 ? 'edited ' : '';
  return el('span', { class: 'meta', text: edited + time(message.date), title: new Date(message.date * 1000).toLocaleString() });
}

function serviceText(message) {
  if (message.successful_payment) {
    const p = message.successful_payment;
    return `You paid ⭐ ${p.total_amount} to AISHA`;
  }
  if (message.refunded_payment) return `⭐ ${message.refunded_payment.total_amount} refunded to you`;
  return null;
}

/** The block a message belongs to: its album, or itself. */
export const blockKey = (m) => (m.media_group_id ? `g${m.media_group_id}` : `m${m.message_id}`);

function membersOf(key) {
  return state.messages.filter((m) => blockKey(m) === key);
}

/** The row for one block: a single message, or the messages of one album. */
function blockNode(members) {
  const first = members[0];
  const who = first.from_bot ? 'bot' : 'user';
  const service = members.length === 1 ? serviceText(first) : null;
  if (service) {
    return el('div', { class: 'row service', 'data-block': blockKey(first) },
      el('div', { class: 'service-pill', text: `${service} · ${time(first.date)}` }));
  }
  const row = el('div', { class: `row ${who}`, 'data-block': blockKey(first) });
  const sender = first.from_bot ? 'AISHA' : 'You';
  const bubble = el('div', { class: 'bubble', role: 'article', 'aria-label': `${sender}, ${time(first.date)}` });
  const hasMedia = members.some((m) => m.photo);
  if (hasMedia) bubble.classList.add('media');
  if (members.length > 1) {
    const grid = el('div', { class: `album${members.length % 3 === 0 ? ' n3' : ''}${members.length > 2 ? ' many' : ''}`, role: 'group', 'aria-label': `Album of ${members.length}` });
    members.forEach((m, i) => {
      const node = m.photo ? photoNode(m, `Photo ${i + 1} of ${members.length}`) : m.document ? documentNode(m.document) : null;
      if (node) grid.append(node);
    });
    bubble.append(grid);
  } else if (first.photo) {
    bubble.append(photoNode(first, 'Photo'));
  }
  for (const m of members) if (m.document && members.length === 1) bubble.append(documentNode(m.document));
  if (first.invoice) bubble.append(invoiceNode(first));
  const captioned = members.find((m) => m.caption);
  const source = first.text ?? (captioned ? captioned.caption : null);
  const last = members[members.length - 1];
  const stamp = meta(members.reduce((a, m) => (m.edits > a.edits ? m : a), last));
  if (hasMedia && !source) {
    // a photo alone: the time sits on the picture
    bubble.classList.add('bare');
    bubble.append(stamp);
  } else {
    const body = formatted(captioned && !first.text ? captioned : first, source);
    body.append(stamp);
    bubble.append(body, el('div', { class: 'clear' }));
  }
  row.append(bubble);
  for (const m of members) {
    const kb = keyboardNode(m);
    if (kb) row.append(kb);
  }
  return row;
}

/** The chat is scrolled (almost) to its end. */
export function nearBottom() {
  const box = $('messages');
  return box.scrollHeight - box.scrollTop - box.clientHeight < 120;
}

export function scrollDown() {
  const box = $('messages');
  box.scrollTop = box.scrollHeight;
}

function showEmpty(text) {
  const empty = $('empty');
  empty.textContent = text;
  empty.hidden = false;
  if (!empty.isConnected) $('messages').append(empty);
}

/** Redraws one block from `state.messages`: added at the end, replaced, or removed. */
export function renderBlock(key) {
  const box = $('messages');
  const existing = box.querySelector(`[data-block="${CSS.escape(key)}"]`);
  const members = membersOf(key);
  if (members.length === 0) {
    if (existing) existing.remove();
  } else if (existing) {
    existing.replaceWith(blockNode(members));
  } else {
    box.append(blockNode(members));
  }
  if (state.messages.length > 0) $('empty').hidden = true;
  else showEmpty('No messages yet. Send /start to begin.');
}

/** Redraws the whole chat from `state.messages` and scrolls to its end. */
export function renderAll() {
  const box = $('messages');
  const empty = $('empty');
  box.replaceChildren(empty);
  const seen = new Set();
  for (const m of state.messages) {
    const key = blockKey(m);
    if (seen.has(key)) continue;
    seen.add(key);
    box.append(blockNode(membersOf(key)));
  }
  if (state.current === null) showEmpty('Pick a user on the left (or add one), then send /start.');
  else if (state.messages.length === 0) showEmpty('No messages yet. Send /start to begin.');
  else empty.hidden = true;
  scrollDown();
}
