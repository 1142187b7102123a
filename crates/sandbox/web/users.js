// The emulated users, as the emulator lists them.

import { state } from './state.js';
import * as api from './api.js';
import { renderUsers } from './render/users.js';
import { toast } from './render/notices.js';

/** Fetches every user into `state.users` and redraws the list. */
export async function loadUsers() {
  try {
    state.users = await api.getUsers();
  } catch (e) {
    toast(`Could not load users: ${e.message}`, true);
  }
  renderUsers();
}

/** The user whose chat is open, if any. */
export const currentUser = () => state.users.find((u) => u.id === state.current);
