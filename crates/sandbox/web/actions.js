// What the user does in the open chat: write, press a button, pay an invoice, send photos or
// files.

import { $ } from './dom.js';
import { state } from './state.js';
import * as api from './api.js';
import { dispatchTable } from './table.js';
import { blockKey, renderBlock } from './render/messages.js';
import { toast } from './render/notices.js';

/** True with a chat open; else says to pick a user. */
export function needUser() {
  if (state.current !== null) return true;
  toast('Add or pick a user first', true);
  $('new-name').focus();
  return false;
}

export async function sendText(text) {
  if (!needUser() || !text.trim()) return;
  try {
    await api.sendText(state.current, text);
  } catch (e) {
    toast(`Not sent: ${e.message}`, true);
  }
}

/** Presses a callback button: it stays pending until the bot answers (at most 4 s). */
export async function press(message, data, button) {
  button.classList.add('pending');
  try {
    const { query_id: queryId } = await api.press(state.current, message.message_id, data);
    if (state.answered.delete(queryId)) button.classList.remove('pending');
    else {
      state.pendingPresses.set(queryId, button);
      setTimeout(() => {
        button.classList.remove('pending');
        state.pendingPresses.delete(queryId);
      }, 4000);
    }
  } catch (e) {
    button.classList.remove('pending');
    toast(`The button did nothing: ${e.message}`, true);
  }
}

/**
 * Every `outcome` of a payment, as the pay call answers it (the Rust enum
 * aisha_sandbox::telegram::PaymentOutcome); a Rust test in the sandbox crate checks the list.
 */
export const PAYMENT_OUTCOMES = Object.freeze(['paid', 'declined', 'expired']);

/** What the page remembers of each outcome, for the invoice message `id`. */
const AFTER_PAYMENT = dispatchTable('actions.js', PAYMENT_OUTCOMES, {
  paid(id) {
    state.paid.add(id);
    toast('Payment sent');
  },
  declined(id, outcome) {
    state.refusals.set(id, outcome.error_message || 'no reason given');
  },
  expired(id) {
    state.refusals.set(id, 'the bot did not confirm in time');
  },
});

/** Pays the invoice `message`; its card then shows "Paid ✓" or the refusal. */
export async function pay(message, button) {
  const chat = state.current;
  button.disabled = true;
  const label = button.textContent;
  button.textContent = 'Paying…';
  state.refusals.delete(message.message_id);
  try {
    const outcome = await api.pay(chat, message.message_id);
    const after = Object.hasOwn(AFTER_PAYMENT, outcome.outcome) ? AFTER_PAYMENT[outcome.outcome] : AFTER_PAYMENT.expired;
    after(message.message_id, outcome);
  } catch (e) {
    toast(`Payment failed: ${e.message}`, true);
  }
  if (state.current === chat) renderBlock(blockKey(message));
  else {
    button.disabled = false;
    button.textContent = label;
  }
}

const isImage = (f) => /^image\/(png|jpeg|webp|gif|bmp)$/.test(f.type);

/** Several images: an album (2–10); one image: a photo with the typed caption; else documents. */
export async function sendFiles(files) {
  if (!needUser() || files.length === 0) return;
  const user = state.current;
  const caption = $('text').value.trim();
  try {
    if (files.every(isImage) && files.length > 10) {
      toast('An album takes 2 to 10 photos', true);
      return;
    }
    if (files.every(isImage) && files.length > 1) {
      const form = new FormData();
      files.forEach((f, i) => form.append(`photo${i}`, f, f.name));
      await api.sendAlbum(user, form);
    } else if (files.length === 1 && isImage(files[0])) {
      await api.sendPhoto(user, files[0], caption);
      $('text').value = '';
    } else {
      for (const f of files) await api.sendDocument(user, f);
    }
  } catch (e) {
    toast(`Upload failed: ${e.message}`, true);
  }
}
