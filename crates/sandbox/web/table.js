// Dispatch tables keyed by a list of names that come from the Rust side (event types, payment
// outcomes): every name has a handler and every handler a name, or the page does not start.

/** `handlers`, frozen, after checking its keys are exactly `names`; `what` names the table in the error. */
export function dispatchTable(what, names, handlers) {
  const unhandled = names.filter((name) => !Object.hasOwn(handlers, name));
  const unknown = Object.keys(handlers).filter((name) => !names.includes(name));
  if (unhandled.length || unknown.length) {
    throw new Error(`${what}: no handler for [${unhandled}], handlers for unknown [${unknown}]`);
  }
  return Object.freeze(handlers);
}
