// The `/` menu of the bot's commands (setMyCommands), in the open chat's language as Telegram
// shows it. Arrow keys move through it, Escape closes it, a click sends the command.

import { $, el } from './dom.js';
import { state } from './state.js';
import * as api from './api.js';
import { currentUser } from './users.js';
import { sendText } from './actions.js';

/** Fetches the menu for the user's language once (again while it is empty). */
async function loadCommands() {
  const me = currentUser();
  const lang = (me && me.language_code) || '';
  if (!state.commandsByLang[lang] || state.commandsByLang[lang].length === 0) {
    try {
      state.commandsByLang[lang] = await api.getCommands(lang);
    } catch {
      state.commandsByLang[lang] = [];
    }
  }
  state.commands = state.commandsByLang[lang];
}

/** Opens the menu with the commands starting with `filter` (what is typed, e.g. "/ba"). */
export async function openMenu(filter = '') {
  // a menu closed (or opened again) while the list was loading stays as it was left
  const ticket = ++state.menuTicket;
  await loadCommands();
  if (ticket !== state.menuTicket) return;
  const list = $('menu-list');
  list.replaceChildren();
  const wanted = state.commands.filter((c) => `/${c.command}`.startsWith(filter || '/'));
  for (const c of wanted) {
    list.append(el('li', {}, el('button', {
      type: 'button', 'data-command': c.command,
      onclick: () => {
        closeMenu();
        $('text').value = '';
        sendText(`/${c.command}`);
        $('text').focus();
      },
      onkeydown: menuKeys,
    }, el('span', { class: 'cmd', text: `/${c.command}` }), el('span', { class: 'desc', text: c.description }))));
  }
  if (wanted.length === 0) list.append(el('li', { class: 'hint', text: 'The bot has no matching commands.' }));
  $('menu').hidden = false;
  $('menu-button').setAttribute('aria-expanded', 'true');
}

export function closeMenu() {
  state.menuTicket += 1;
  $('menu').hidden = true;
  $('menu-button').setAttribute('aria-expanded', 'false');
}

function menuKeys(e) {
  const items = [...$('menu-list').querySelectorAll('button')];
  const i = items.indexOf(document.activeElement);
  if (e.key === 'ArrowDown') items[Math.min(i + 1, items.length - 1)]?.focus();
  else if (e.key === 'ArrowUp') (i <= 0 ? $('text') : items[i - 1]).focus();
  else if (e.key === 'Escape') {
    closeMenu();
    $('text').focus();
  } else return;
  e.preventDefault();
}
