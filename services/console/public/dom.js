/* global Node, document */
// Tiny DOM helpers: elements are built with textContent only, never from HTML strings.

/** h('div', { class: 'x', onclick: fn }, child, 'text', ...) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function fmtTime(ms) {
  if (ms === null || ms === undefined) return '–';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

export function fmtScore(x) {
  return x === null || x === undefined ? '–' : x.toFixed(2);
}

/** A fixed-format number: ratios and statistics of evidence. */
export function fmtNum(x) {
  if (x === null || x === undefined) return '–';
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(3);
}

export function replace(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
}
