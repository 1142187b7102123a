// Toasts (callback answers, errors) and the modal for a callback answer with `show_alert`.

import { $, el } from '../dom.js';

/** A short note at the bottom; an error stays longer and is red. */
export function toast(text, error = false) {
  const node = el('div', { class: `toast${error ? ' error' : ''}`, text });
  $('toasts').append(node);
  setTimeout(() => node.remove(), error ? 6000 : 3500);
}

/** The bot's alert as a modal dialog (closed by its OK button, wired in main.js). */
export function showAlert(text) {
  $('alert-text').textContent = text;
  const dialog = $('alert');
  if (!dialog.open) dialog.showModal();
  $('alert-ok').focus();
}
