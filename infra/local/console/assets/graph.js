import { s } from './dom.js';

/**
 * Draws an ASL definition as a layered graph, top to bottom: each state sits one layer below the
 * furthest state that leads to it (edges that loop back, such as a retry decision returning to the
 * failed state, are drawn around the side), and each layer is ordered to keep edges short.
 */

const NODE_HEIGHT = 36;
const LAYER_GAP = 64;
const NODE_GAP = 28;
const CHAR_WIDTH = 7.2;
const MARGIN = 24;

/** The same naming rules as the server's `stateKind`. */
export function stateKind(name, type) {
  if (type === 'Succeed') return 'succeed';
  if (type === 'Fail') return 'fail';
  if (name.startsWith('Compensate ') || /^Cancel\b/.test(name)) return 'compensation';
  if (name.startsWith('Park ')) return 'park';
  if (name.startsWith('Decide ')) return 'decision';
  if (name.startsWith('Publish ')) return 'outcome';
  if (type === 'Task' || type === 'Parallel' || type === 'Map') return 'step';
  return 'flow';
}

function edgesOf(states) {
  const edges = [];
  for (const [name, state] of Object.entries(states)) {
    const add = (to, kind) => {
      if (to && states[to] && !edges.some((e) => e.from === name && e.to === to))
        edges.push({ from: name, to, kind });
    };
    add(state.Next, 'next');
    for (const choice of state.Choices ?? []) add(choice.Next, 'choice');
    add(state.Default, 'choice');
    for (const c of state.Catch ?? []) add(c.Next, 'catch');
  }
  return edges;
}

export function layout(definition) {
  const states = definition.States ?? {};
  const edges = edgesOf(states);
  const cells = sagaCells(definition, states);
  return cells ? gridLayout(cells, states, edges) : layeredLayout(definition, states, edges);
}

/**
 * A saga drawn the way it is explained: its steps left to right on top, each compensation under
 * its step (they run right to left, into the compensated outcome), each park and decision under
 * the state it parks, the input-refusal path above and the parked outcome at the bottom.
 * Undefined when the definition has no compensation states, so other machines get the layered view.
 */
function sagaCells(definition, states) {
  const names = Object.keys(states);
  const COMP = 'Compensate ';
  if (!names.some((n) => n.startsWith(COMP) && states[n.slice(COMP.length)])) return undefined;
  const cells = new Map();
  const taken = new Set();
  const free = (row, col) => !taken.has(`${row},${col}`);
  const put = (name, row, col, step = 1) => {
    let r = row;
    while (!free(r, col)) r += step;
    cells.set(name, { row: r, col });
    taken.add(`${r},${col}`);
  };
  const follow = (from, row, direction) => {
    let at = states[from]?.Next;
    let col = cells.get(from).col;
    while (at && states[at] && !cells.has(at)) {
      col += direction;
      put(at, row, col, row < 0 ? -1 : 1);
      at = states[at].Next;
    }
  };
  let at = definition.StartAt;
  let col = 0;
  while (at && states[at] && !cells.has(at)) {
    put(at, 0, col);
    col += 1;
    if (['Succeed', 'Fail'].includes(states[at].Type)) break;
    at = states[at].Next;
  }
  const colOf = (name) => cells.get(name)?.col;
  const comps = names.filter((n) => n.startsWith(COMP) && colOf(n.slice(COMP.length)) !== undefined);
  for (const n of comps) put(n, 1, colOf(n.slice(COMP.length)));
  for (const [prefix, row] of [
    ['Park ', 2],
    ['Decide ', 3],
  ]) {
    for (const n of names) {
      const target = n.slice(prefix.length);
      if (n.startsWith(prefix) && !cells.has(n) && cells.has(target)) put(n, row, colOf(target));
    }
  }
  // The compensation chain carries on leftwards, into the compensated outcome.
  const leftmost = comps.sort((a, b) => colOf(a) - colOf(b))[0];
  if (leftmost) follow(leftmost, 1, -1);
  // What is left hangs off the states placed so far: the paths off the forward row go above it,
  // the others below the decisions. Each such path runs left to right.
  const preds = new Map(names.map((n) => [n, []]));
  for (const e of edgesOf(states)) preds.get(e.to).push(e.from);
  for (let pass = 0; pass < names.length && cells.size < names.length; pass += 1) {
    for (const n of names) {
      if (cells.has(n)) continue;
      const placed = preds.get(n).filter((p) => cells.has(p));
      if (placed.length === 0 && pass < names.length - 1) continue;
      const rows = placed.map((p) => cells.get(p).row);
      const cols = placed.map((p) => cells.get(p).col);
      const above = rows.length > 0 && rows.every((r) => r <= 0);
      const start = cols.length ? Math.min(...cols) : 0;
      put(n, above ? -1 : Math.max(4, ...rows.map((r) => r + 1)), start, above ? -1 : 1);
      follow(n, cells.get(n).row, 1);
    }
  }
  return cells;
}

const COLUMN_GAP = 36;

function gridLayout(cells, states, edges) {
  const names = Object.keys(states);
  const width = (name) => Math.max(120, Math.round(name.length * CHAR_WIDTH) + 28);
  const cols = [...new Set([...cells.values()].map((c) => c.col))].sort((a, b) => a - b);
  const rows = [...new Set([...cells.values()].map((c) => c.row))].sort((a, b) => a - b);
  const colWidth = new Map(cols.map((c) => [c, 0]));
  for (const n of names) {
    const c = cells.get(n).col;
    colWidth.set(c, Math.max(colWidth.get(c), width(n)));
  }
  const colX = new Map();
  let x = MARGIN;
  for (const c of cols) {
    colX.set(c, x + colWidth.get(c) / 2);
    x += colWidth.get(c) + COLUMN_GAP;
  }
  const rowY = new Map(rows.map((r, i) => [r, MARGIN + i * (NODE_HEIGHT + LAYER_GAP)]));
  const nodes = names.map((name) => ({
    name,
    type: states[name].Type,
    kind: stateKind(name, states[name].Type),
    retries: (states[name].Retry ?? []).length > 0,
    x: colX.get(cells.get(name).col),
    y: rowY.get(cells.get(name).row),
    colLeft: colX.get(cells.get(name).col) - colWidth.get(cells.get(name).col) / 2,
    colRight: colX.get(cells.get(name).col) + colWidth.get(cells.get(name).col) / 2,
    width: width(name),
    height: NODE_HEIGHT,
  }));
  return {
    nodes,
    edges,
    width: x - COLUMN_GAP + MARGIN + 40,
    height: rows.length * (NODE_HEIGHT + LAYER_GAP) - LAYER_GAP + MARGIN * 2,
  };
}

function layeredLayout(definition, states, edges) {
  const names = Object.keys(states);
  const out = new Map(names.map((n) => [n, []]));
  for (const e of edges) out.get(e.from).push(e);
  // Normal transitions first, so the happy path is discovered (and ordered) before the error paths.
  const rank = { next: 0, choice: 1, catch: 2 };
  for (const list of out.values()) list.sort((a, b) => rank[a.kind] - rank[b.kind]);

  const order = [];
  const visiting = new Set();
  const done = new Set();
  const visit = (name) => {
    visiting.add(name);
    for (const e of out.get(name)) {
      if (visiting.has(e.to)) e.back = true;
      else if (!done.has(e.to)) visit(e.to);
    }
    visiting.delete(name);
    done.add(name);
    order.push(name);
  };
  if (states[definition.StartAt]) visit(definition.StartAt);
  for (const name of names) if (!done.has(name)) visit(name);
  order.reverse();

  const layer = new Map(names.map((n) => [n, 0]));
  for (const name of order) {
    for (const e of out.get(name))
      if (!e.back) layer.set(e.to, Math.max(layer.get(e.to), layer.get(name) + 1));
  }
  // Ends sink to the bottom, where a reader looks for them.
  const depth = Math.max(0, ...layer.values());
  for (const name of names) if (['Succeed', 'Fail'].includes(states[name].Type)) layer.set(name, depth);

  const layers = [];
  for (const name of order) {
    const at = layer.get(name);
    layers[at] = [...(layers[at] ?? []), name];
  }
  const discovery = new Map(order.map((n, i) => [n, i]));
  const parents = new Map(names.map((n) => [n, []]));
  for (const e of edges) if (!e.back) parents.get(e.to).push(e.from);

  const width = (name) => Math.max(110, Math.round(name.length * CHAR_WIDTH) + 28);
  const x = new Map();
  const place = () => {
    const widest = Math.max(
      ...layers.map(
        (l) => (l ?? []).reduce((sum, n) => sum + width(n), 0) + NODE_GAP * ((l ?? []).length - 1),
      ),
    );
    for (const l of layers) {
      if (!l) continue;
      // Each state wants to sit under the middle of its parents; the layer keeps that order, then
      // pushes overlapping neighbours apart and re-centres.
      const wanted = l.map((n) => {
        const ps = parents.get(n).filter((p) => x.has(p));
        return ps.length ? ps.reduce((sum, p) => sum + x.get(p), 0) / ps.length : undefined;
      });
      const items = l.map((n, i) => ({ n, want: wanted[i] }));
      if (items.every((it) => it.want !== undefined)) {
        items.sort((a, b) => a.want - b.want || discovery.get(a.n) - discovery.get(b.n));
      }
      l.splice(0, l.length, ...items.map((it) => it.n));
      let cursor = 0;
      const total = l.reduce((sum, n) => sum + width(n), 0) + NODE_GAP * (l.length - 1);
      const start = (widest - total) / 2;
      for (const it of items) {
        const w = width(it.n);
        const naive = start + cursor + w / 2;
        const centre = it.want === undefined ? naive : Math.max(naive, it.want);
        x.set(it.n, centre);
        cursor = centre - start + w / 2 + NODE_GAP;
      }
      // Pull the layer back inside the canvas when a wish pushed it past the right edge.
      const last = l[l.length - 1];
      const overflow = x.get(last) + width(last) / 2 - widest;
      if (overflow > 0) for (const n of l) x.set(n, x.get(n) - overflow);
      for (let i = l.length - 2; i >= 0; i -= 1) {
        const limit = x.get(l[i + 1]) - width(l[i + 1]) / 2 - NODE_GAP - width(l[i]) / 2;
        if (x.get(l[i]) > limit) x.set(l[i], limit);
      }
    }
    return widest;
  };
  const widest = place();
  const minX = Math.min(...names.map((n) => x.get(n) - width(n) / 2));
  const nodes = names.map((name) => ({
    name,
    type: states[name].Type,
    kind: stateKind(name, states[name].Type),
    retries: (states[name].Retry ?? []).length > 0,
    x: x.get(name) - minX + MARGIN,
    y: layer.get(name) * (NODE_HEIGHT + LAYER_GAP) + MARGIN,
    width: width(name),
    height: NODE_HEIGHT,
  }));
  const maxX = Math.max(...nodes.map((n) => n.x + n.width / 2));
  return {
    nodes,
    edges,
    width: Math.max(widest, maxX) + MARGIN * 2 + 40,
    height: (depth + 1) * (NODE_HEIGHT + LAYER_GAP) - LAYER_GAP + MARGIN * 2,
  };
}

function edgePath(a, b, back, lane) {
  const ax = a.x;
  const bx = b.x;
  const sameColumn = Math.abs(ax - bx) < 1;
  const below = b.y > a.y + 1;
  const above = b.y < a.y - 1;
  if (!below && !above) {
    // Along a row: from the side facing the target.
    const dir = bx > ax ? 1 : -1;
    const sx = ax + (dir * a.width) / 2;
    const tx = bx - (dir * b.width) / 2 - dir * 6;
    const mid = (sx + tx) / 2;
    return `M ${sx} ${a.y + a.height / 2} C ${mid} ${a.y + a.height / 2}, ${mid} ${b.y + b.height / 2}, ${tx} ${b.y + b.height / 2}`;
  }
  const rowsApart = Math.abs(b.y - a.y) / (NODE_HEIGHT + LAYER_GAP);
  if (rowsApart > 1.5 || (back && above && sameColumn)) {
    // Through the gap beside the source's column, so the line does not run through the states in
    // between: out of the side, along the gap, then into the target from the side it faces.
    const right = sameColumn || bx > ax;
    const sx = ax + ((right ? 1 : -1) * a.width) / 2;
    const sy = a.y + a.height / 2;
    const gap =
      (right ? (a.colRight ?? ax + a.width / 2) : (a.colLeft ?? ax - a.width / 2)) +
      (right ? 1 : -1) * (COLUMN_GAP / 2 - 8 + lane * 5);
    if (sameColumn) {
      const tx = bx + b.width / 2 + 6;
      const ty = b.y + b.height / 2;
      return orthogonal([
        [sx, sy],
        [gap, sy],
        [gap, ty],
        [tx, ty],
      ]);
    }
    const ty = below ? b.y - 6 : b.y + b.height + 6;
    const turn = below ? b.y - 14 - lane * 4 : b.y + b.height + 14 + lane * 4;
    return orthogonal([
      [sx, sy],
      [gap, sy],
      [gap, turn],
      [bx, turn],
      [bx, ty],
    ]);
  }
  const sy = below ? a.y + a.height : a.y;
  const ty = below ? b.y - 6 : b.y + b.height + 6;
  const bend = (ty - sy) / 2;
  return `M ${ax} ${sy} C ${ax} ${sy + bend}, ${bx} ${ty - bend}, ${bx} ${ty}`;
}

/** A polyline with rounded corners. */
function orthogonal(points) {
  const r = 8;
  let d = `M ${points[0][0]} ${points[0][1]}`;
  for (let i = 1; i < points.length - 1; i += 1) {
    const [px, py] = points[i - 1];
    const [x, y] = points[i];
    const [nx, ny] = points[i + 1];
    const inLen = Math.hypot(x - px, y - py);
    const outLen = Math.hypot(nx - x, ny - y);
    const k = Math.min(r, inLen / 2, outLen / 2);
    const bx = x - ((x - px) / (inLen || 1)) * k;
    const by = y - ((y - py) / (inLen || 1)) * k;
    const ax = x + ((nx - x) / (outLen || 1)) * k;
    const ay = y + ((ny - y) / (outLen || 1)) * k;
    d += ` L ${bx} ${by} Q ${x} ${y} ${ax} ${ay}`;
  }
  const last = points[points.length - 1];
  return `${d} L ${last[0]} ${last[1]}`;
}

const KIND_LABEL = {
  step: 'step',
  compensation: 'compensation',
  park: 'park (waits for an operator)',
  decision: 'operator decision',
  outcome: 'outcome event',
  succeed: 'success',
  fail: 'failure',
  flow: 'flow',
};

/**
 * The graph as an SVG element. `visits` (state name → status) colours an execution's path; states
 * it never entered are dimmed.
 */
export function renderGraph(definition, visits) {
  const g = layout(definition);
  const byName = new Map(g.nodes.map((n) => [n.name, n]));
  const svg = s('svg', {
    class: `graph${visits ? ' graph-execution' : ''}`,
    viewBox: `0 0 ${g.width} ${g.height}`,
    width: g.width,
    height: g.height,
    role: 'img',
    'aria-label': 'State machine graph',
  });
  const defs = s('defs');
  for (const kind of ['next', 'choice', 'catch', 'taken']) {
    defs.append(
      s(
        'marker',
        {
          id: `arrow-${kind}`,
          viewBox: '0 0 10 10',
          refX: 8,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: `arrowhead arrowhead-${kind}` }),
      ),
    );
  }
  svg.append(defs);
  const taken = new Set();
  if (visits?.path) {
    for (let i = 1; i < visits.path.length; i += 1) taken.add(`${visits.path[i - 1]}\u0000${visits.path[i]}`);
  }
  let lane = 0;
  const edgeLayer = s('g', { class: 'edges' });
  for (const e of g.edges) {
    const a = byName.get(e.from);
    const b = byName.get(e.to);
    const isTaken = taken.has(`${e.from}\u0000${e.to}`);
    const path = s('path', {
      d: edgePath(a, b, e.back, lane++ % 4),
      class: `edge edge-${e.kind}${e.back ? ' edge-back' : ''}${isTaken ? ' edge-taken' : ''}`,
      'marker-end': `url(#arrow-${isTaken ? 'taken' : e.kind})`,
    });
    path.append(s('title', {}, `${e.from} → ${e.to} (${e.kind === 'catch' ? 'on error' : e.kind})`));
    edgeLayer.append(path);
  }
  svg.append(edgeLayer);
  for (const n of g.nodes) {
    const status = visits?.states.get(n.name);
    const group = s('g', {
      class: `node node-${n.kind}${status ? ` visited visited-${status}` : visits ? ' unvisited' : ''}`,
      transform: `translate(${n.x - n.width / 2} ${n.y})`,
      'data-state': n.name,
    });
    const round = n.kind === 'succeed' || n.kind === 'fail' ? n.height / 2 : n.kind === 'decision' ? 4 : 8;
    group.append(
      s(
        'title',
        {},
        `${n.name}\n${n.type} · ${KIND_LABEL[n.kind]}${n.retries ? ' · retries on error' : ''}${status ? `\n${status}` : ''}`,
      ),
      s('rect', { width: n.width, height: n.height, rx: round, ry: round, class: 'node-box' }),
      s(
        'text',
        { x: n.width / 2, y: n.height / 2 + 4, 'text-anchor': 'middle', class: 'node-label' },
        n.name,
      ),
    );
    if (n.retries) group.append(s('circle', { cx: n.width - 7, cy: 7, r: 3, class: 'retry-dot' }));
    svg.append(group);
  }
  return svg;
}

export function legend() {
  const items = [
    ['step', 'Step'],
    ['compensation', 'Compensation'],
    ['park', 'Park'],
    ['decision', 'Decision'],
    ['outcome', 'Outcome event'],
    ['succeed', 'Succeed'],
    ['fail', 'Fail'],
  ];
  return items;
}
