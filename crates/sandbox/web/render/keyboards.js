// Inline keyboards and invoice cards. Buttons that act carry what they do in data attributes
// (`data-press` with the callback data, or `data-pay`, and `data-message`); main.js handles
// their clicks, so drawing a message never calls the API.

import { el } from '../dom.js';
import { state } from '../state.js';
import { safeUrl } from './html.js';

/** Every button of the message's inline keyboard, in reading order. */
export function buttonsOf(message) {
  const rows = message.reply_markup && message.reply_markup.inline_keyboard;
  return Array.isArray(rows) ? rows.flat().filter((b) => b && typeof b === 'object') : [];
}

/** The message's inline keyboard, or null without one. */
export function keyboardNode(message) {
  const rows = message.reply_markup && message.reply_markup.inline_keyboard;
  if (!Array.isArray(rows) || rows.length === 0) return null;
  const id = message.message_id;
  const box = el('div', { class: 'keyboard', role: 'group', 'aria-label': 'Message buttons' });
  for (const row of rows) {
    if (!Array.isArray(row)) continue;
    const line = el('div', { class: 'kb-row' });
    for (const b of row) {
      const label = String(b.text ?? '');
      let node;
      if (typeof b.callback_data === 'string') {
        node = el('button', { type: 'button', class: 'kb-btn', text: label, 'data-message': id, 'data-press': b.callback_data });
      } else if (typeof b.url === 'string' && safeUrl(b.url)) {
        node = el('a', { class: 'kb-btn', href: safeUrl(b.url), target: '_blank', rel: 'noopener noreferrer' },
          label, el('span', { class: 'kb-link', 'aria-hidden': 'true', text: '↗' }));
      } else if (b.pay) {
        node = el('button', { type: 'button', class: 'kb-btn', text: label, 'data-message': id, 'data-pay': true });
      } else {
        node = el('button', { type: 'button', class: 'kb-btn', text: label, disabled: true, title: 'This kind of button is not emulated' });
      }
      line.append(node);
    }
    box.append(line);
  }
  return box;
}

/** An invoice as a card: amount, a Pay button (unless its keyboard has one or it is paid), "Paid ✓", a refusal. */
export function invoiceNode(message) {
  const inv = message.invoice;
  const id = message.message_id;
  const card = el('div', { class: 'invoice' },
    el('div', { class: 'invoice-label', text: 'Invoice' }),
    el('h3', { text: inv.title }),
    el('p', { text: inv.description }),
    el('div', { class: 'amount', text: inv.currency === 'XTR' ? `⭐ ${inv.total_amount}` : `${inv.total_amount} ${inv.currency}` }));
  const paid = state.paid.has(id);
  const hasPayButton = buttonsOf(message).some((b) => b.pay);
  if (!hasPayButton && !paid) {
    card.append(el('button', { type: 'button', class: 'primary pay', text: `Pay ⭐ ${inv.total_amount}`, 'data-message': id, 'data-pay': true }));
  }
  if (paid) card.append(el('p', { class: 'paid-note', text: 'Paid ✓' }));
  const refusal = state.refusals.get(id);
  if (refusal) card.append(el('p', { class: 'refusal', role: 'alert', text: `Payment refused: ${refusal}` }));
  return card;
}
