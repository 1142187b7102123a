// The sandbox web chat. It plays the people in the Telegram emulator through the emulator's
// user API on this origin (/sandbox/...) and follows the chats live over server-sent events.
// Text from the bot or the users never reaches innerHTML: Telegram HTML goes through a small
// allow-list renderer that builds DOM nodes, everything else is a text node.
'use strict';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
};

const state = {
  users: [],
  current: null, // user id (= chat id)
  messages: [], // the current chat, in order
  unread: new Map(),
  commands: null,
  actionTimer: null,
  pendingPresses: new Map(), // query id -> button
  answered: new Set(), // query ids answered before their press returned
  refusals: new Map(), // invoice message id -> text
  paid: new Set(), // invoice message ids paid from this page
  loading: false,
  buffer: [], // events that came while the chat was loading
};

// ---- the API -----------------------------------------------------------------------------

async function api(method, path, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body instanceof FormData || body instanceof Blob) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  const response = await fetch(path, init);
  const kind = response.headers.get('content-type') || '';
  const data = kind.includes('json') ? await response.json() : await response.text();
  if (!response.ok) {
    const message = (data && data.error) || (typeof data === 'string' && data) || response.statusText;
    throw new Error(message);
  }
  return data;
}

// ---- Telegram HTML, by allow-list --------------------------------------------------------

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

function safeUrl(href) {
  if (!href) return null;
  try {
    const url = new URL(href, location.href);
    return ['http:', 'https:', 'tg:', 'mailto:'].includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/** Appends Telegram-HTML `source` to `parent` as DOM nodes; unknown tags stay visible text. */
function renderHtml(source, parent) {
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

function formatted(message, source) {
  const body = el('div', { class: 'body' });
  if (!source) return body;
  if (message.parse_mode === 'HTML') renderHtml(source, body);
  else body.textContent = source;
  return body;
}

// ---- rendering messages ------------------------------------------------------------------

const time = (unix) =>
  new Date(unix * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

function meta(message) {
  const edited = message.edits > 0 ? 'edited ' : '';
  return el('span', { class: 'meta', text: edited + time(message.date), title: new Date(message.date * 1000).toLocaleString() });
}

const fileUrl = (id) => `/sandbox/files/${encodeURIComponent(id)}`;

function photoNode(message, label) {
  const sizes = message.photo || [];
  const big = sizes[sizes.length - 1];
  if (!big) return null;
  return el('a', { class: 'photo', href: fileUrl(big.file_id), target: '_blank', rel: 'noopener', 'aria-label': `${label}, open full size` },
    el('img', { src: fileUrl(big.file_id), alt: label, width: big.width, height: big.height, loading: 'lazy' }));
}

function sizeText(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function documentNode(doc) {
  const name = doc.file_name || 'file';
  return el('a', { class: 'document', href: fileUrl(doc.file_id), download: name },
    el('span', { class: 'doc-icon', 'aria-hidden': 'true', text: '⤓' }),
    el('span', {}, el('strong', { text: name }), el('small', { text: `${sizeText(doc.file_size)} · download` })));
}

function invoiceNode(message) {
  const inv = message.invoice;
  const card = el('div', { class: 'invoice' },
    el('div', { class: 'invoice-label', text: 'Invoice' }),
    el('h3', { text: inv.title }),
    el('p', { text: inv.description }),
    el('div', { class: 'amount', text: inv.currency === 'XTR' ? `⭐ ${inv.total_amount}` : `${inv.total_amount} ${inv.currency}` }));
  const paid = state.paid.has(message.message_id);
  const hasPayButton = buttonsOf(message).some((b) => b.pay);
  if (!hasPayButton && !paid) {
    card.append(el('button', { type: 'button', class: 'primary pay', text: `Pay ⭐ ${inv.total_amount}`, onclick: (e) => pay(message, e.currentTarget) }));
  }
  if (paid) card.append(el('p', { class: 'paid-note', text: 'Paid ✓' }));
  const refusal = state.refusals.get(message.message_id);
  if (refusal) card.append(el('p', { class: 'refusal', role: 'alert', text: `Payment refused: ${refusal}` }));
  return card;
}

function buttonsOf(message) {
  const rows = message.reply_markup && message.reply_markup.inline_keyboard;
  return Array.isArray(rows) ? rows.flat().filter((b) => b && typeof b === 'object') : [];
}

function keyboardNode(message) {
  const rows = message.reply_markup && message.reply_markup.inline_keyboard;
  if (!Array.isArray(rows) || rows.length === 0) return null;
  const box = el('div', { class: 'keyboard', role: 'group', 'aria-label': 'Message buttons' });
  for (const row of rows) {
    if (!Array.isArray(row)) continue;
    const line = el('div', { class: 'kb-row' });
    for (const b of row) {
      const label = String(b.text ?? '');
      let node;
      if (typeof b.callback_data === 'string') {
        node = el('button', { type: 'button', class: 'kb-btn', text: label, onclick: (e) => press(message, b.callback_data, e.currentTarget) });
      } else if (typeof b.url === 'string' && safeUrl(b.url)) {
        node = el('a', { class: 'kb-btn', href: safeUrl(b.url), target: '_blank', rel: 'noopener noreferrer' },
          label, el('span', { class: 'kb-link', 'aria-hidden': 'true', text: '↗' }));
      } else if (b.pay) {
        node = el('button', { type: 'button', class: 'kb-btn', text: label, onclick: (e) => pay(message, e.currentTarget) });
      } else {
        node = el('button', { type: 'button', class: 'kb-btn', text: label, disabled: true, title: 'This kind of button is not emulated' });
      }
      line.append(node);
    }
    box.append(line);
  }
  return box;
}

function serviceText(message) {
  if (message.successful_payment) {
    const p = message.successful_payment;
    return `You paid ⭐ ${p.total_amount} to AISHA`;
  }
  if (message.refunded_payment) return `⭐ ${message.refunded_payment.total_amount} refunded to you`;
  return null;
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

const blockKey = (m) => (m.media_group_id ? `g${m.media_group_id}` : `m${m.message_id}`);

function membersOf(key) {
  return state.messages.filter((m) => blockKey(m) === key);
}

function nearBottom() {
  const box = $('messages');
  return box.scrollHeight - box.scrollTop - box.clientHeight < 120;
}

function scrollDown() {
  const box = $('messages');
  box.scrollTop = box.scrollHeight;
}

function renderBlock(key) {
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

function showEmpty(text) {
  const empty = $('empty');
  empty.textContent = text;
  empty.hidden = false;
  if (!empty.isConnected) $('messages').append(empty);
}

function renderAll() {
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

// ---- live events -------------------------------------------------------------------------

function onEvent(event) {
  // while a chat loads, its events wait and are replayed on what was loaded
  if (state.loading && event.chat === state.current) {
    state.buffer.push(event);
    return;
  }
  const mine = event.chat === state.current;
  switch (event.type) {
    case 'message': {
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
      return;
    }
    case 'edited': {
      if (!mine) return;
      const i = state.messages.findIndex((m) => m.message_id === event.message.message_id);
      if (i < 0) return;
      state.messages[i] = event.message;
      renderBlock(blockKey(event.message));
      return;
    }
    case 'deleted': {
      if (!mine) return;
      const i = state.messages.findIndex((m) => m.message_id === event.message_id);
      if (i < 0) return;
      const [gone] = state.messages.splice(i, 1);
      renderBlock(blockKey(gone));
      return;
    }
    case 'callback_answered': {
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
      return;
    }
    case 'action':
      if (mine) setAction(event.action);
      return;
    case 'pre_checkout_answered':
      // the pay request's answer says the same; this covers a payment started elsewhere
      if (mine && !event.ok) toast(`Payment refused: ${event.error_message || 'no reason given'}`, true);
      return;
    default:
  }
}

const ACTIONS = {
  typing: 'typing',
  upload_photo: 'sending a photo',
  upload_document: 'sending a file',
  upload_video: 'sending a video',
  record_video: 'recording a video',
  record_voice: 'recording a voice message',
  upload_voice: 'sending a voice message',
  choose_sticker: 'choosing a sticker',
  find_location: 'finding a location',
  upload_video_note: 'sending a video message',
};

function setAction(action) {
  const status = $('status');
  clearTimeout(state.actionTimer);
  if (!action) {
    status.textContent = 'bot';
    status.classList.remove('busy');
    return;
  }
  status.textContent = `AISHA is ${ACTIONS[action] || action}`;
  status.classList.add('busy');
  // Telegram shows an action for 5 seconds or until the bot's next message
  state.actionTimer = setTimeout(() => setAction(null), 5000);
}

function connectEvents() {
  let opened = false;
  const source = new EventSource('/sandbox/events');
  source.onopen = () => {
    // after a reconnect, events may have been missed: reload what the chat shows now
    if (opened && state.current !== null) openChat(state.current, false);
    opened = true;
  };
  source.onmessage = (e) => {
    try {
      onEvent(JSON.parse(e.data));
    } catch (err) {
      console.error('bad event', err);
    }
  };
}

// ---- users -------------------------------------------------------------------------------

function bumpUnread(chat) {
  state.unread.set(chat, (state.unread.get(chat) || 0) + 1);
  renderUsers();
}

function initial(name) {
  return (name.trim()[0] || '?').toUpperCase();
}

function renderUsers() {
  const list = $('users');
  list.replaceChildren();
  for (const u of state.users) {
    const unread = state.unread.get(u.id) || 0;
    const lang = u.language_code || '—';
    const button = el('button', {
      type: 'button', class: 'user', 'data-user': u.id, 'aria-current': u.id === state.current ? 'true' : 'false',
      onclick: () => openChat(u.id, true),
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

async function loadUsers() {
  try {
    state.users = await api('GET', '/sandbox/users');
  } catch (e) {
    toast(`Could not load users: ${e.message}`, true);
  }
  renderUsers();
}

async function addUser(event) {
  event.preventDefault();
  const name = $('new-name').value.trim();
  if (!name) {
    $('new-name').focus();
    toast('Give the user a name', true);
    return;
  }
  const id = Math.max(100000, ...state.users.map((u) => u.id)) + 1;
  try {
    await api('POST', `/sandbox/users/${id}`, { first_name: name, language_code: $('new-lang').value });
  } catch (e) {
    toast(`Could not add the user: ${e.message}`, true);
    return;
  }
  $('new-name').value = '';
  await loadUsers();
  await openChat(id, true);
}

async function openChat(id, focus) {
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
    loaded = await api('GET', `/sandbox/chats/${id}/messages`);
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

// ---- what the user does ------------------------------------------------------------------

function needUser() {
  if (state.current !== null) return true;
  toast('Add or pick a user first', true);
  $('new-name').focus();
  return false;
}

async function sendText(text) {
  if (!needUser() || !text.trim()) return;
  try {
    await api('POST', `/sandbox/users/${state.current}/text`, { text });
  } catch (e) {
    toast(`Not sent: ${e.message}`, true);
  }
}

async function press(message, data, button) {
  button.classList.add('pending');
  try {
    const { query_id: queryId } = await api('POST', `/sandbox/users/${state.current}/press`, { message_id: message.message_id, data });
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

async function pay(message, button) {
  const chat = state.current;
  button.disabled = true;
  const label = button.textContent;
  button.textContent = 'Paying…';
  state.refusals.delete(message.message_id);
  try {
    const outcome = await api('POST', `/sandbox/users/${chat}/pay`, { message_id: message.message_id });
    if (outcome.outcome === 'paid') {
      state.paid.add(message.message_id);
      toast('Payment sent');
    } else if (outcome.outcome === 'declined') {
      state.refusals.set(message.message_id, outcome.error_message || 'no reason given');
    } else {
      state.refusals.set(message.message_id, 'the bot did not confirm in time');
    }
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

async function sendFiles(files) {
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
      await api('POST', `/sandbox/users/${user}/album`, form);
    } else if (files.length === 1 && isImage(files[0])) {
      const q = caption ? `?caption=${encodeURIComponent(caption)}` : '';
      await api('POST', `/sandbox/users/${user}/photo${q}`, files[0]);
      $('text').value = '';
    } else {
      for (const f of files) {
        await api('POST', `/sandbox/users/${user}/document?file_name=${encodeURIComponent(f.name)}`, f);
      }
    }
  } catch (e) {
    toast(`Upload failed: ${e.message}`, true);
  }
}

// ---- the command menu --------------------------------------------------------------------

// the menu Telegram shows depends on the user's language; fetched once per language
async function loadCommands() {
  const me = state.users.find((u) => u.id === state.current);
  const lang = (me && me.language_code) || '';
  state.commandsByLang = state.commandsByLang || {};
  if (!state.commandsByLang[lang] || state.commandsByLang[lang].length === 0) {
    try {
      state.commandsByLang[lang] = await api('GET', `/sandbox/commands?lang=${encodeURIComponent(lang)}`);
    } catch {
      state.commandsByLang[lang] = [];
    }
  }
  state.commands = state.commandsByLang[lang];
}

async function openMenu(filter = '') {
  // a menu closed (or opened again) while the list was loading stays as it was left
  const ticket = (state.menuTicket = (state.menuTicket || 0) + 1);
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

function closeMenu() {
  state.menuTicket = (state.menuTicket || 0) + 1;
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

// ---- toasts and alerts -------------------------------------------------------------------

function toast(text, error = false) {
  const node = el('div', { class: `toast${error ? ' error' : ''}`, text });
  $('toasts').append(node);
  setTimeout(() => node.remove(), error ? 6000 : 3500);
}

function showAlert(text) {
  $('alert-text').textContent = text;
  const dialog = $('alert');
  if (!dialog.open) dialog.showModal();
  $('alert-ok').focus();
}

// ---- start -------------------------------------------------------------------------------

function autosize() {
  const t = $('text');
  t.style.height = 'auto';
  t.style.height = `${Math.min(t.scrollHeight, 160)}px`;
}

async function start() {
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

  connectEvents();
  await loadUsers();
  const wanted = Number((/user=(\d+)/.exec(location.hash) || [])[1]);
  const pick = state.users.find((u) => u.id === wanted) || state.users[0];
  if (pick) await openChat(pick.id, false);
  else renderAll();
  document.body.dataset.ready = 'true';
}

start();
