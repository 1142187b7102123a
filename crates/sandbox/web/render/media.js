// Photos and documents inside a message.

import { el } from '../dom.js';
import { fileUrl } from '../api.js';

/** The biggest size of the message's photo, linked to itself at full size; null without a photo. */
export function photoNode(message, label) {
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

/** A document as a download link with its name and size. */
export function documentNode(doc) {
  const name = doc.file_name || 'file';
  return el('a', { class: 'document', href: fileUrl(doc.file_id), download: name },
    el('span', { class: 'doc-icon', 'aria-hidden': 'true', text: '⤓' }),
    el('span', {}, el('strong', { text: name }), el('small', { text: `${sizeText(doc.file_size)} · download` })));
}
