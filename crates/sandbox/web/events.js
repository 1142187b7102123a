// The live chats: one handler per server-sent event. An event is the JSON of the Rust enum
// aisha_sandbox::telegram::ChatEvent, its `type` the variant's snake_case name.

import { state } from './state.js';
import { dispatchTable } from './table.js';
import { loadUsers } from './users.js';
import { renderUsers } from './render/users.js';
import { blockKey, nearBottom, renderBlock, scrollDown } from './render/messages.js';
import { setAction } from './render/status.js';
import { showAlert, toast } from './render/notices.js';

/**
 * Every event `type` the emulator sends, one per ChatEvent variant. A Rust test in the sandbox
 * crate (web.rs) checks this list against the enum, and HANDLERS below against this list.
 */
export const EVENTS = Object.freeze([
  'message',
  'edited',
  'deleted',
  'callback_answered',
  'action',
  'pre_checkout_answered',
]);

function bumpUnread(chat) {
  state.unread.set(chat, (state.unread.get(chat) || 0) + 1);
  renderUsers();
}

/** What each event does; `mine` = it is about the open chat. Keyed by EVENTS, no more, no less. */
const HANDLERS = dispatchTable('events.js', EVENTS, {
  message(event, mine) {
    if (!state.users.some((u) => u.id === event.chat)) loadUsers();
    if (!mine) {
      if (event.message.from_bot) bumpUnread(event.chat);
      return;
    }
    if (state.messages.some((m) => m.message_id === event.message.message_id)) return;
    const stick = nearBottom() || !event.message.from_bot;
    state.messages.push(event.message);
    if (event.message.from_bot) setAction(null);
    renderBlock(blockKey(event.message));
    if (stick) scrollDown();
  },
  edited(event, mine) {
    if (!mine) return;
    const i = state.messages.findIndex((m) => m.message_id === event.message.message_id);
    if (i < 0) return;
    state.messages[i] = event.message;
    renderBlock(blockKey(event.message));
  },
  deleted(event, mine) {
    if (!mine) return;
    const i = state.messages.findIndex((m) => m.message_id === event.message_id);
    if (i < 0) return;
    const [gone] = state.messages.splice(i, 1);
    renderBlock(blockKey(gone));
  },
  callback_answered(event, mine) {
    const button = state.pendingPresses.get(event.query_id);
    if (button) {
      button.classList.remove('pending');
      state.pendingPresses.delete(event.query_id);
    } else {
      // answered before the press request returned its id
      state.answered.add(event.query_id);
    }
    if (!mine || !event.text) return;
    if (event.show_alert) showAlert(event.text);
    else toast(event.text);
  },
  action(event, mine) {
    if (mine) setAction(event.action);
  },
  pre_checkout_answered(event, mine) {
    // the pay request's answer says the same; this covers a payment started elsewhere
    if (mine && !event.ok) toast(`Payment refused: ${event.error_message || 'no reason given'}`, true);
  },
});

/** Handles one event; while the open chat loads, its events wait in `state.buffer`. */
export function onEvent(event) {
  if (state.loading && event.chat === state.current) {
    state.buffer.push(event);
    return;
  }
  if (!EVENTS.includes(event.type)) {
    console.warn('unknown event', event.type);
    return;
  }
  HANDLERS[event.type](event, event.chat === state.current);
}
