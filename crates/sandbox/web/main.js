// The sandbox web chat. It plays the people in the Telegram emulator through the emulator's
// user API on this origin (/sandbox/...) and follows the chats live over server-sent events.
// Text from the bot or the users never reaches innerHTML: Telegram HTML goes through a small
// allow-list renderer that builds DOM nodes (render/html.js), everything else is a text node.
//
// The modules: state.js (everything the page remembers), api.js (the HTTP calls and the event
// stream), events.js (one handler per event type), users.js, chats.js, actions.js and menu.js
// (what the person does), render/*.js (drawing, no API calls), and this file, which wires the
// page's controls to them.

import { $ } from './dom.js';
import { state } from './state.js';
import { connectEvents } from './api.js';
import { onEvent } from './events.js';
import { loadUsers } from './users.js';
import { addUser, openChat } from './chats.js';
import { needUser, pay, press, sendFiles, sendText } from './actions.js';
import { closeMenu, openMenu } from './menu.js';
import { renderAll } from './render/messages.js';

function autosize() {
  const t = $('text');
  t.style.height = 'auto';
  t.style.height = `${Math.min(t.scrollHeight, 160)}px`;
}

/** The buttons drawn in messages (render/keyboards.js) and in the users list (render/users.js). */
function wireDrawnButtons() {
  $('messages').addEventListener('click', (e) => {
    const button = e.target.closest('button[data-message]');
    if (!button) return;
    const message = state.messages.find((m) => m.message_id === Number(button.dataset.message));
    if (!message) return;
    if (button.dataset.press !== undefined) press(message, button.dataset.press, button);
    else if (button.dataset.pay !== undefined) pay(message, button);
  });
  $('users').addEventListener('click', (e) => {
    const button = e.target.closest('button[data-user]');
    if (button) openChat(Number(button.dataset.user), true);
  });
}

function wireComposer() {
  $('new-user').addEventListener('submit', addUser);
  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $('text').value;
    if (!text.trim()) return;
    $('text').value = '';
    autosize();
    closeMenu();
    sendText(text);
  });
  $('text').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $('composer').requestSubmit();
    } else if (e.key === 'ArrowDown' && !$('menu').hidden) {
      e.preventDefault();
      $('menu-list').querySelector('button')?.focus();
    } else if (e.key === 'Escape') closeMenu();
  });
  $('text').addEventListener('input', () => {
    autosize();
    const v = $('text').value;
    if (/^\/\w*$/.test(v)) openMenu(v);
    else closeMenu();
  });
  $('menu-button').addEventListener('click', () => ($('menu').hidden ? openMenu() : closeMenu()));
  $('attach-button').addEventListener('click', () => needUser() && $('file-input').click());
  $('file-input').addEventListener('change', async (e) => {
    const files = [...e.target.files];
    e.target.value = '';
    await sendFiles(files);
  });
  $('alert-ok').addEventListener('click', () => $('alert').close());
  document.addEventListener('keydown', (e) => e.key === 'Escape' && !$('menu').hidden && closeMenu());
}

async function start() {
  wireDrawnButtons();
  wireComposer();
  // after a reconnect, events may have been missed: reload what the chat shows now
  connectEvents(onEvent, () => state.current !== null && openChat(state.current, false));
  await loadUsers();
  const wanted = Number((/user=(\d+)/.exec(location.hash) || [])[1]);
  const pick = state.users.find((u) => u.id === wanted) || state.users[0];
  if (pick) await openChat(pick.id, false);
  else renderAll();
  document.body.dataset.ready = 'true';
}

start();
