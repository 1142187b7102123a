// The emulator's user API on this origin (/sandbox/...): one function per call, and the
// server-sent event stream. Nothing here touches the page.

/** `method path` with a JSON body (or a FormData/Blob as is); the answer's JSON or text. Throws an Error with the server's message on a non-2xx answer. */
async function call(method, path, body, headers = {}) {
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

const q = encodeURIComponent;

/** Where a file's bytes are served. */
export const fileUrl = (fileId) => `/sandbox/files/${q(fileId)}`;

export const getUsers = () => call('GET', '/sandbox/users');
export const putUser = (id, firstName, languageCode) =>
  call('POST', `/sandbox/users/${id}`, { first_name: firstName, language_code: languageCode });
export const getMessages = (chat) => call('GET', `/sandbox/chats/${chat}/messages`);
export const getCommands = (lang) => call('GET', `/sandbox/commands?lang=${q(lang)}`);

export const sendText = (user, text) => call('POST', `/sandbox/users/${user}/text`, { text });
/** Answers `{query_id}`. */
export const press = (user, messageId, data) =>
  call('POST', `/sandbox/users/${user}/press`, { message_id: messageId, data });
/** Answers a PaymentOutcome: `{outcome: 'paid'|'declined'|'expired', …}`. */
export const pay = (user, messageId) => call('POST', `/sandbox/users/${user}/pay`, { message_id: messageId });
export const sendPhoto = (user, file, caption) =>
  call('POST', `/sandbox/users/${user}/photo${caption ? `?caption=${q(caption)}` : ''}`, file);
export const sendAlbum = (user, form) => call('POST', `/sandbox/users/${user}/album`, form);
export const sendDocument = (user, file) => call('POST', `/sandbox/users/${user}/document?file_name=${q(file.name)}`, file);

/**
 * Follows /sandbox/events: `onEvent(event)` for each ChatEvent JSON, `onReconnect()` when the
 * stream opens again after a break (events may have been missed).
 */
export function connectEvents(onEvent, onReconnect) {
  let opened = false;
  const source = new EventSource('/sandbox/events');
  source.onopen = () => {
    if (opened) onReconnect();
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
