// Builds elements without HTML parsing: every value becomes a text node, so nothing from the
// database can turn into markup or script (no innerHTML anywhere in the dashboard).

/** h('div', {class: 'x', onclick: f}, 'text', child, [more]) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

/** A table: columns [{title, value: row => text|Node, class}] */
export function table(columns, rows, empty = 'Nothing here yet.') {
  if (!rows.length) return h('p', {class: 'muted empty'}, empty);
  return h('table', {class: 'data'},
    h('thead', {}, h('tr', {}, columns.map(c => h('th', {class: c.class}, c.title)))),
    h('tbody', {}, rows.map(r => h('tr', {}, columns.map(c => h('td', {class: c.class}, c.value(r)))))));
}

export function field(label, input) {
  return h('label', {class: 'field'}, h('span', {}, label), input);
}

export function errorBox(err) {
  return h('p', {class: 'error', role: 'alert'}, err && err.message ? err.message : String(err));
}
