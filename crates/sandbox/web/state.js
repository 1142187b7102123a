// Everything the page remembers, in one object. Every field is declared here with what it
// holds; no module adds fields of its own. Shapes in `{…}` are the JSON of the Rust types in
// aisha_sandbox::telegram (SandboxUser, ChatMessage).

export const state = {
  /** @type {{id: number, first_name: string, language_code: string|null, blocked: boolean}[]} every emulated user, as GET /sandbox/users lists them */
  users: [],
  /** @type {number|null} the open chat: its user's id (a private chat's id is the user's) */
  current: null,
  /** @type {object[]} the open chat's messages (ChatMessage JSON), oldest first */
  messages: [],
  /** @type {Map<number, number>} chat id → bot messages that came while another chat was open */
  unread: new Map(),
  /** @type {Object<string, {command: string, description: string}[]>} the bot's command menu per user language ('' = none), fetched once per language */
  commandsByLang: {},
  /** @type {{command: string, description: string}[]|null} the menu for the open chat's language, once loaded */
  commands: null,
  /** @type {number} bumped whenever the menu opens or closes, so a menu whose commands arrive late is not shown over a newer state */
  menuTicket: 0,
  /** @type {number|null} the timer that clears the chat action ("AISHA is typing") after 5 s */
  actionTimer: null,
  /** @type {Map<string, HTMLElement>} callback query id → the button pressed, shown pending until the bot answers */
  pendingPresses: new Map(),
  /** @type {Set<string>} callback query ids answered before the press request returned them */
  answered: new Set(),
  /** @type {Map<number, string>} invoice message id → why the bot refused its payment (open chat only) */
  refusals: new Map(),
  /** @type {Set<number>} invoice message ids paid from this page */
  paid: new Set(),
  /** @type {boolean} the open chat's messages are being fetched */
  loading: false,
  /** @type {object[]} events for the open chat that came while it was loading, replayed after */
  buffer: [],
};
