// The users list in the sidebar and "You are …" in the chat header. Each entry is a button
// with `data-user`; main.js opens the chat on a click.

import { $, el } from '../dom.js';
import { state } from '../state.js';

function initial(name) {
  return (name.trim()[0] || '?').toUpperCase();
}

/** Redraws the list from `state.users`, `state.current` and `state.unread`. */
export function renderUsers() {
  const list = $('users');
  list.replaceChildren();
  for (const u of state.users) {
    const unread = state.unread.get(u.id) || 0;
    const lang = u.language_code || '—';
    const button = el('button', {
      type: 'button', class: 'user', 'data-user': u.id, 'aria-current': u.id === state.current ? 'true' : 'false',
    },
    el('span', { class: 'avatar', 'aria-hidden': 'true', text: initial(u.first_name) }),
    el('span', { class: 'user-text' },
      el('span', { class: 'user-name', text: u.first_name }),
      el('span', { class: 'user-meta', text: `id ${u.id} · ${lang}${u.blocked ? ' · blocked the bot' : ''}` })),
    unread ? el('span', { class: 'badge', 'aria-label': `${unread} unread`, text: String(unread) }) : null);
    list.append(el('li', {}, button));
  }
  $('no-users').hidden = state.users.length > 0;
  const me = state.users.find((u) => u.id === state.current);
  $('whoami').textContent = me ? `You are ${me.first_name} (${me.language_code || 'no language'})` : '';
}
