// DOM helpers. `el` sets text with textContent and attributes with setAttribute: nothing it
// builds is ever parsed as HTML.

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/**
 * A new `tag` element. `props`: `class`, `text` (its text content), `on<event>` (a listener),
 * anything else an attribute (`true` = present, `false`/`null`/`undefined` = absent).
 * Children are nodes or strings (text).
 */
export const el = (tag, props = {}, ...children) => {
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
