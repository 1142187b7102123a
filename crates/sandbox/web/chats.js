// Opening a chat, and adding a user (whose chat then opens).

import { $ } from './dom.js';
import { state } from './state.js';
import * as api from './api.js';
import { onEvent } from './events.js';
import { loadUsers } from './users.js';
import { renderAll } from './render/messages.js';
import { renderUsers } from './render/users.js';
import { setAction } from './render/status.js';
import { toast } from './render/notices.js';

/** Shows user `id`'s chat as it is now; events for it that come meanwhile are applied after. */
export async function openChat(id, focus) {
  state.current = id;
  state.unread.delete(id);
  state.refusals.clear();
  history.replaceState(null, '', `#user=${id}`);
  setAction(null);
  renderUsers();
  state.loading = true;
  state.buffer = [];
  let loaded = [];
  try {
    loaded = await api.getMessages(id);
  } catch (e) {
    toast(`Could not load the chat: ${e.message}`, true);
  }
  if (state.current !== id) return;
  state.loading = false;
  state.messages = loaded;
  renderAll();
  const missed = state.buffer;
  state.buffer = [];
  missed.forEach(onEvent);
  if (focus) $('text').focus();
}

/** The "New user" form: adds the user with the next free id and opens their chat. */
export async function addUser(event) {
  event.preventDefault();
  const name = $('new-name').value.trim();
  if (!name) {
    $('new-name').focus();
    toast('Give the user a name', true);
    return;
  }
  const id = Math.max(100000, ...state.users.map((u) => u.id)) + 1;
  try {
    await api.putUser(id, name, $('new-lang').value);
  } catch (e) {
    toast(`Could not add the user: ${e.message}`, true);
    return;
  }
  $('new-name').value = '';
  await loadUsers();
  await openChat(id, true);
}
