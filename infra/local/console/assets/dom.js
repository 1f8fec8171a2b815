/** A tiny element builder: `h('div', { class: 'x', onclick }, 'text', child)`. Text is never parsed as HTML. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The SVG counterpart of `h`. */
export function s(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

function setAttributes(element, attributes) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** `+1.234s` style offsets and durations. */
export function seconds(ms) {
  if (ms === undefined || ms === null) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  if (ms >= 86_400_000 && ms % 3_600_000 === 0) {
    const hours = ms / 3_600_000;
    return hours % 24 === 0 ? `${hours / 24} days` : `${hours} hours`;
  }
  if (ms >= 3_600_000) return `${(ms / 3_600_000).toFixed(1)} hours`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function timeOf(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return `${date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${date.toLocaleTimeString(undefined, { hour12: false })}`;
}

export function statusPill(status) {
  return h(
    'span',
    { class: `pill pill-${String(status).toLowerCase().replace(/_/g, '-')}` },
    String(status).replace(/_/g, ' '),
  );
}
