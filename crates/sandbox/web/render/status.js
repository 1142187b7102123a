// The line under the bot's name: "bot", or the chat action the bot sent ("AISHA is sending a
// photo"), which Telegram shows for 5 seconds or until the bot's next message.

import { $ } from '../dom.js';
import { state } from '../state.js';

/**
 * Every `action` of sendChatAction, as the page words it. The keys are the emulator's list
 * (aisha_sandbox::telegram::CHAT_ACTIONS); a Rust test in the sandbox crate checks they match.
 */
export const CHAT_ACTIONS = Object.freeze({
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
});

/** Shows `action` (a CHAT_ACTIONS key) for 5 s, or "bot" for null. */
export function setAction(action) {
  const status = $('status');
  clearTimeout(state.actionTimer);
  if (!action) {
    status.textContent = 'bot';
    status.classList.remove('busy');
    return;
  }
  status.textContent = `AISHA is ${CHAT_ACTIONS[action] || action}`;
  status.classList.add('busy');
  state.actionTimer = setTimeout(() => setAction(null), 5000);
}
