import { get, post } from './api.js';
import { h, seconds, statusPill, timeOf } from './dom.js';
import { legend, renderGraph } from './graph.js';

/**
 * The console's views, routed by the URL hash (`#/executions?status=FAILED`). Views that show
 * something still moving poll the API; the timer stops when the view changes.
 */

const view = document.getElementById('view');
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
const POLL_MS = 1500;
let timer;
let generation = 0;

function route() {
  const hash = location.hash.replace(/^#\/?/, '') || 'executions';
  const [path, query = ''] = hash.split('?');
  const [name, ...rest] = path.split('/');
  return {
    name,
    arg: rest.length ? decodeURIComponent(rest.join('/')) : undefined,
    params: new URLSearchParams(query),
  };
}

function link(href, ...children) {
  return h('a', { href }, ...children);
}

function toast(message, kind = 'info') {
  const note = h('div', { class: `toast toast-${kind}`, role: 'status' }, message);
  document.body.append(note);
  setTimeout(() => note.remove(), 5000);
}

function errorBox(error) {
  return h('div', { class: 'error-box' }, h('strong', {}, error.name ?? 'Error'), ' ', error.message);
}

function pageHeader(title, subtitle, ...actions) {
  return h(
    'div',
    { class: 'page-header' },
    h('div', {}, h('h1', {}, title), subtitle ? h('p', { class: 'subtitle' }, subtitle) : null),
    h('div', { class: 'actions' }, ...actions),
  );
}

function empty(text) {
  return h('div', { class: 'empty' }, text);
}

function shortArn(arn) {
  return arn.split(':').slice(-2).join(':');
}

// ---------------------------------------------------------------------------------------- views

async function executionsView(params) {
  const status = params.get('status') ?? '';
  const sm = params.get('sm') ?? '';
  const { executions, counts } = await get('executions', { status, stateMachineArn: sm });
  const { stateMachines } = await get('state-machines');
  const filterHref = (next) => {
    const q = new URLSearchParams();
    if (next.status ?? status) q.set('status', next.status ?? status);
    if (next.sm ?? sm) q.set('sm', next.sm ?? sm);
    return `#/executions${q.size ? `?${q}` : ''}`;
  };
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const chips = h(
    'div',
    { class: 'chips', role: 'group', 'aria-label': 'Status filter' },
    h(
      'a',
      {
        class: `chip${status ? '' : ' active'}`,
        href: filterHref({ status: '' }).replace(/status=[^&]*&?/, ''),
      },
      'All ',
      h('span', { class: 'chip-count' }, total),
    ),
    STATUSES.map((st) =>
      h(
        'a',
        {
          class: `chip chip-${st.toLowerCase()}${status === st ? ' active' : ''}`,
          href: filterHref({ status: st }),
          'data-status': st,
        },
        st.replace('_', ' ').toLowerCase(),
        ' ',
        h('span', { class: 'chip-count' }, counts[st] ?? 0),
      ),
    ),
  );
  const select = h(
    'select',
    {
      class: 'select',
      'aria-label': 'State machine',
      onchange: (event) => {
        location.hash = filterHref({ sm: event.target.value || '' }).replace(/sm=&?/, '');
      },
    },
    h('option', { value: '' }, 'All state machines'),
    stateMachines.map((m) =>
      h('option', { value: m.stateMachineArn, selected: m.stateMachineArn === sm }, m.name),
    ),
  );
  const rows = executions.map((e) =>
    h(
      'tr',
      { 'data-execution': e.name },
      h('td', {}, link(`#/execution/${encodeURIComponent(e.executionArn)}`, e.name)),
      h('td', {}, e.stateMachineName),
      h(
        'td',
        {},
        statusPill(e.status),
        e.redriveCount ? h('span', { class: 'badge' }, `redriven ×${e.redriveCount}`) : null,
      ),
      h('td', { class: 'num' }, timeOf(e.startDate)),
      h(
        'td',
        { class: 'num' },
        e.stopDate
          ? seconds(new Date(e.stopDate) - new Date(e.startDate))
          : h('span', { class: 'muted' }, 'running'),
      ),
    ),
  );
  return [
    pageHeader('Executions', `${total} executions of ${stateMachines.length} state machines`, select),
    chips,
    executions.length
      ? h(
          'table',
          { class: 'table', id: 'executions' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Execution (saga id)', 'State machine', 'Status', 'Started', 'Duration'].map((t) =>
                h('th', {}, t),
              ),
            ),
          ),
          h('tbody', {}, rows),
        )
      : empty(
          status
            ? `No ${status.toLowerCase()} executions.`
            : "No executions yet. Start a saga: npx stepsaga run <SagaName> --input '{...}'",
        ),
  ];
}

async function stateMachinesView() {
  const { stateMachines } = await get('state-machines');
  const cards = await Promise.all(
    stateMachines.map(async (m) => {
      const detail = await get('state-machine', { arn: m.stateMachineArn });
      const states = Object.keys(detail.definition.States ?? {}).length;
      return h(
        'a',
        { class: 'card card-link', href: `#/state-machine/${encodeURIComponent(m.stateMachineArn)}` },
        h('div', { class: 'card-title' }, m.name, h('span', { class: 'badge' }, m.type)),
        h('div', { class: 'card-meta' }, `${states} states`),
        h(
          'div',
          { class: 'card-stats' },
          STATUSES.filter((st) => detail.executions[st]).map((st) =>
            h('span', {}, statusPill(st), ' ', detail.executions[st]),
          ),
        ),
      );
    }),
  );
  return [
    pageHeader('State machines', 'The app\u2019s sagas and workflows as they run on the local cloud'),
    cards.length ? h('div', { class: 'cards' }, cards) : empty('The app has no state machines.'),
  ];
}

function legendBar() {
  return h(
    'div',
    { class: 'legend' },
    legend().map(([kind, label]) =>
      h('span', { class: `legend-item legend-${kind}` }, h('span', { class: 'swatch' }), label),
    ),
    h('span', { class: 'legend-item legend-catch' }, h('span', { class: 'swatch-line' }), 'on error (Catch)'),
    h('span', { class: 'legend-item' }, h('span', { class: 'retry-swatch' }), 'retries on error'),
  );
}

async function stateMachineView(arn) {
  const detail = await get('state-machine', { arn });
  return [
    pageHeader(
      detail.name,
      `${detail.type} · ${Object.keys(detail.definition.States ?? {}).length} states · ${shortArn(detail.stateMachineArn)}`,
      h('a', { class: 'button', href: `#/executions?sm=${encodeURIComponent(arn)}` }, 'Executions'),
    ),
    detail.definition.Comment ? h('p', { class: 'comment' }, detail.definition.Comment) : null,
    h(
      'section',
      { class: 'panel graph-panel' },
      legendBar(),
      h('div', { class: 'graph-scroll' }, renderGraph(detail.definition)),
    ),
  ];
}

function timelineRows(timeline, totalMs) {
  const scale = totalMs > 0 ? totalMs : 1;
  return timeline.entries.map((entry) => {
    const left = (entry.offsetMs / scale) * 100;
    const width = Math.max(0.6, ((entry.durationMs ?? totalMs - entry.offsetMs) / scale) * 100);
    const retries =
      entry.attempts > 1
        ? h(
            'span',
            { class: 'badge badge-retry' },
            `${entry.attempts - 1} ${entry.attempts === 2 ? 'retry' : 'retries'}`,
          )
        : null;
    return h(
      'li',
      { class: `tl-row tl-${entry.kind} tl-status-${entry.status}`, 'data-state': entry.state },
      h('span', { class: 'tl-offset' }, `+${seconds(entry.offsetMs)}`),
      h(
        'div',
        { class: 'tl-main' },
        h(
          'div',
          { class: 'tl-head' },
          h('span', { class: 'tl-name' }, entry.state),
          h('span', { class: `kind kind-${entry.kind}` }, entry.kind),
          retries,
        ),
        h(
          'div',
          { class: 'tl-track' },
          h('span', {
            class: 'tl-bar',
            'data-left': left.toFixed(2),
            'data-width': Math.min(100 - left, width).toFixed(2),
          }),
        ),
        groupFailures(entry.failures).map((f) =>
          h(
            'div',
            { class: 'tl-failure' },
            h('code', {}, f.error),
            ' ',
            f.cause,
            f.times > 1 ? h('span', { class: 'times' }, ` ×${f.times}`) : null,
          ),
        ),
        entry.decision
          ? h('div', { class: 'tl-decided' }, 'Operator decision: ', h('strong', {}, entry.decision))
          : null,
      ),
      h('span', { class: 'tl-status' }, statusPill(entryStatus(entry))),
      h('span', { class: 'tl-duration' }, entry.durationMs !== undefined ? seconds(entry.durationMs) : ''),
    );
  });
}

function entryStatus(entry) {
  if (entry.status !== 'succeeded') return entry.status;
  if (entry.kind === 'compensation') return 'compensated';
  if (entry.kind === 'park') return entry.decision ? 'decided' : 'parked';
  if (entry.kind === 'decision') return 'routed';
  return entry.status;
}

/** Retries that failed the same way read as one line with a count. */
function groupFailures(failures) {
  const groups = [];
  for (const f of failures) {
    const last = groups[groups.length - 1];
    if (last && last.error === f.error && last.cause === f.cause) last.times += 1;
    else groups.push({ ...f, times: 1 });
  }
  return groups;
}

/** Bars are sized after insertion: the style sheet may not be inline (CSP), the CSSOM may. */
function sizeBars(root) {
  for (const bar of root.querySelectorAll('.tl-bar')) {
    bar.style.left = `${bar.dataset.left}%`;
    bar.style.width = `${bar.dataset.width}%`;
  }
}

async function executionView(arn, params) {
  const { execution, definition, timeline } = await get('execution', { arn });
  const tab = params.get('tab') ?? 'timeline';
  const end = execution.stopDate ? new Date(execution.stopDate) : new Date();
  const totalMs = end - new Date(execution.startDate);
  const path = timeline.entries.map((e) => e.state);
  const states = new Map(timeline.entries.map((e) => [e.state, e.status]));
  const waiting = timeline.entries.find((e) => e.kind === 'park' && e.status === 'waiting');
  const tabHref = (t) => `#/execution/${encodeURIComponent(arn)}?tab=${t}`;
  const summary = h(
    'div',
    { class: 'summary' },
    h('div', {}, h('span', { class: 'label' }, 'Status'), statusPill(execution.status)),
    h(
      'div',
      {},
      h('span', { class: 'label' }, 'State machine'),
      link(`#/state-machine/${encodeURIComponent(execution.stateMachineArn)}`, execution.stateMachineName),
    ),
    h('div', {}, h('span', { class: 'label' }, 'Started'), timeOf(execution.startDate)),
    h(
      'div',
      {},
      h('span', { class: 'label' }, 'Duration'),
      execution.stopDate ? seconds(totalMs) : `${seconds(totalMs)} so far`,
    ),
    h('div', {}, h('span', { class: 'label' }, 'Retries'), String(timeline.retries)),
    h('div', {}, h('span', { class: 'label' }, 'Compensations'), String(timeline.compensations)),
  );
  const actions = [];
  // A saga that compensated or refused its input ended as designed: nothing to rerun.
  const finished = ['SagaCompensated', 'SagaInputInvalid'].includes(execution.error);
  if (execution.redriveStatus === 'REDRIVABLE' && execution.status !== 'RUNNING' && !finished) {
    actions.push(
      h(
        'button',
        {
          class: 'button',
          onclick: async () => {
            try {
              await post('execution/redrive', { executionArn: arn });
              toast('Redriven: the execution reruns from its failed state.', 'ok');
              render();
            } catch (error) {
              toast(error.message, 'error');
            }
          },
        },
        'Redrive',
      ),
    );
  }
  const banner = waiting
    ? h(
        'div',
        { class: 'callout callout-warn' },
        h('strong', {}, 'Parked: waiting for an operator. '),
        `${waiting.state.replace(/^Park /, '')} failed for good. `,
        link('#/parked', 'Decide on the parked sagas page'),
        '.',
      )
    : execution.error
      ? h(
          'div',
          { class: `callout ${execution.status === 'SUCCEEDED' ? '' : 'callout-error'}` },
          h('strong', {}, execution.error),
          ' ',
          describeCause(execution.cause),
        )
      : null;
  let body;
  if (tab === 'graph') {
    body = h(
      'section',
      { class: 'panel graph-panel' },
      legendBar(),
      h('div', { class: 'graph-scroll' }, renderGraph(definition, { states, path })),
    );
  } else if (tab === 'history') {
    body = h(
      'table',
      { class: 'table table-compact', id: 'history' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['#', 'Time', 'Event', 'State', 'Detail'].map((t) => h('th', {}, t)),
        ),
      ),
      h(
        'tbody',
        {},
        timeline.history.map((row) =>
          h(
            'tr',
            { class: /Failed|TimedOut|Aborted/.test(row.type) ? 'row-failed' : '' },
            h('td', { class: 'num' }, row.id),
            h('td', { class: 'num' }, `+${seconds(new Date(row.at) - new Date(execution.startDate))}`),
            h('td', {}, h('code', {}, row.type)),
            h('td', {}, row.state ?? ''),
            h('td', { class: 'detail' }, row.detail),
          ),
        ),
      ),
    );
  } else {
    body = h(
      'section',
      { class: 'panel' },
      h('ol', { class: 'timeline', id: 'timeline' }, timelineRows(timeline, totalMs)),
    );
  }
  const container = [
    pageHeader(execution.name, shortArn(execution.executionArn), ...actions),
    summary,
    banner,
    h(
      'div',
      { class: 'tabs', role: 'tablist' },
      ['timeline', 'graph', 'history'].map((t) =>
        h(
          'a',
          { class: `tab${tab === t ? ' active' : ''}`, href: tabHref(t), role: 'tab' },
          t[0].toUpperCase() + t.slice(1),
        ),
      ),
    ),
    body,
    h(
      'details',
      { class: 'panel io' },
      h('summary', {}, 'Input and output'),
      h('pre', {}, pretty(execution.input)),
      execution.output ? h('pre', {}, pretty(execution.output)) : null,
    ),
  ];
  return { nodes: container, poll: execution.status === 'RUNNING' };
}

function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text ?? '';
  }
}

function describeCause(cause) {
  if (!cause) return '';
  try {
    const errors = JSON.parse(cause);
    const parts = Object.entries(errors)
      .filter(([, v]) => v && typeof v.Error === 'string')
      .map(([state, v]) => `${state}: ${v.Error}${v.Cause ? ` (${causeText(v.Cause)})` : ''}`);
    if (parts.length) return parts.join('; ');
  } catch {
    // Not the saga's error map.
  }
  return causeText(cause);
}

function causeText(cause) {
  try {
    const parsed = JSON.parse(cause);
    return parsed.errorMessage ?? parsed.message ?? cause;
  } catch {
    return cause;
  }
}

async function parkedView() {
  const { parked } = await get('parked');
  const decide = (saga, decision, button) => async () => {
    const card = button.closest('.parked-card');
    for (const b of card.querySelectorAll('button')) b.disabled = true;
    try {
      await post('parked/decide', { executionArn: saga.message.executionArn, decision });
      toast(`${decision} sent for ${saga.message.sagaId}`, 'ok');
      updateParkedCount(true);
      card.classList.add('decided');
      card.querySelector('.parked-state').replaceChildren(statusPill(`${decision} sent`));
    } catch (error) {
      toast(error.message, 'error');
      for (const b of card.querySelectorAll('button')) b.disabled = false;
    }
  };
  const cards = parked.map((saga) => {
    const m = saga.message;
    const retry = h(
      'button',
      {
        class: 'button button-primary',
        'data-decision': 'retry',
        title: `Run ${m.state} again, then carry on`,
      },
      'Retry',
    );
    const skip = h(
      'button',
      { class: 'button', 'data-decision': 'skip', title: `Mark ${m.state} handled by hand and carry on` },
      'Skip',
    );
    const abandon = h(
      'button',
      { class: 'button button-danger', 'data-decision': 'abandon', title: 'End the execution as SagaParked' },
      'Abandon',
    );
    retry.addEventListener('click', decide(saga, 'retry', retry));
    skip.addEventListener('click', decide(saga, 'skip', skip));
    abandon.addEventListener('click', decide(saga, 'abandon', abandon));
    const otherErrors = Object.entries(m.errors ?? {}).filter(([state]) => state !== m.state);
    return h(
      'article',
      { class: 'card parked-card', 'data-saga': m.sagaId },
      h(
        'div',
        { class: 'parked-head' },
        h(
          'div',
          {},
          h(
            'div',
            { class: 'card-title' },
            link(`#/execution/${encodeURIComponent(m.executionArn)}`, m.sagaId),
          ),
          h('div', { class: 'card-meta' }, `${m.sagaName} · parked ${timeOf(m.parkedAt)}`),
        ),
        h(
          'div',
          { class: 'parked-state' },
          saga.waiting ? statusPill('waiting') : statusPill(saga.executionStatus),
        ),
      ),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Failed state'),
        h(
          'dd',
          {},
          h(
            'span',
            {
              class: `kind kind-${m.phase === 'compensation' || m.phase === 'cancel' ? 'compensation' : 'step'}`,
            },
            m.phase,
          ),
          ' ',
          m.state,
        ),
        h('dt', {}, 'Error'),
        h('dd', {}, h('code', {}, m.error), ' ', causeText(m.cause)),
        otherErrors.length
          ? [
              h('dt', {}, 'Earlier'),
              h(
                'dd',
                {},
                otherErrors.map(([state, e]) =>
                  h('div', {}, `${state}: `, h('code', {}, e.Error), ' ', causeText(e.Cause)),
                ),
              ),
            ]
          : null,
        m.decisionTimeoutSeconds
          ? [
              h('dt', {}, 'Abandoned'),
              h('dd', {}, `after ${seconds(m.decisionTimeoutSeconds * 1000)} without a decision`),
            ]
          : null,
      ),
      saga.waiting ? h('div', { class: 'parked-actions' }, retry, skip, abandon) : null,
    );
  });
  return [
    pageHeader(
      'Parked sagas',
      'Sagas whose step or compensation failed past its retries, waiting for an operator',
      h('button', { class: 'button', onclick: () => render() }, 'Refresh'),
    ),
    h(
      'p',
      { class: 'help' },
      h('strong', {}, 'Retry'),
      ' runs the failed state again and carries on; ',
      h('strong', {}, 'Skip'),
      ' marks it handled (you fixed it by hand) and carries on compensating; ',
      h('strong', {}, 'Abandon'),
      ' ends the execution as SagaParked.',
    ),
    cards.length ? h('div', { class: 'parked-list' }, cards) : empty('No parked sagas.'),
  ];
}

async function queuesView() {
  const { queues } = await get('queues');
  const redrive = (queue) => async (event) => {
    event.target.disabled = true;
    try {
      const result = await post('queues/redrive', { queueUrl: queue.url });
      toast(
        result.mode === 'copy'
          ? `Moved ${result.moved} message${result.moved === 1 ? '' : 's'} from ${result.queue} back to ${result.to}`
          : `SQS is moving the messages of ${result.queue} back to ${result.to}`,
        'ok',
      );
      render();
    } catch (error) {
      toast(error.message, 'error');
      event.target.disabled = false;
    }
  };
  const rows = queues.map((q) =>
    h(
      'tr',
      {
        'data-queue': q.name,
        class: q.role !== 'queue' && q.visible + q.inFlight > 0 ? 'row-attention' : '',
      },
      h('td', {}, h('div', {}, q.label), h('div', { class: 'muted small' }, q.name)),
      h(
        'td',
        {},
        h('span', { class: `kind kind-role-${q.role}` }, q.role),
        q.sources.length ? h('div', { class: 'muted small' }, `for ${q.sources.join(', ')}`) : null,
      ),
      h('td', { class: 'num strong' }, q.visible),
      h('td', { class: 'num' }, q.inFlight),
      h('td', { class: 'num' }, q.delayed),
      h('td', { class: 'num' }, q.maxReceiveCount ?? ''),
      h(
        'td',
        {},
        q.role === 'dead-letter'
          ? h(
              'button',
              { class: 'button button-small', disabled: q.visible === 0, onclick: redrive(q) },
              'Redrive',
            )
          : q.role === 'parked' && q.visible > 0
            ? link('#/parked', 'Decide')
            : null,
      ),
    ),
  );
  return [
    pageHeader('Queues', 'Notification queues, their dead-letter queues and the parked-saga queues'),
    h(
      'table',
      { class: 'table', id: 'queues' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Queue', 'Role', 'Visible', 'In flight', 'Delayed', 'Max receives', ''].map((t) => h('th', {}, t)),
        ),
      ),
      h('tbody', {}, rows),
    ),
  ];
}

async function tablesView(name) {
  const { tables } = await get('tables');
  const chosen = name ?? tables[0]?.name;
  const nav = h(
    'div',
    { class: 'chips' },
    tables.map((t) =>
      h(
        'a',
        {
          class: `chip${t.name === chosen ? ' active' : ''}`,
          href: `#/tables/${encodeURIComponent(t.name)}`,
        },
        t.label,
      ),
    ),
  );
  if (!chosen) return [pageHeader('Tables', ''), empty('The app has no tables.')];
  const table = await get('table', { name: chosen });
  const groups = ['business', 'barrier', 'outbox'];
  const titles = {
    business: 'Business items',
    barrier: 'Barrier items (idempotency, empty compensation, hanging)',
    outbox: 'Outbox items (events waiting for the relay)',
  };
  const sections = groups.map((kind) => {
    const items = table.items.filter((i) => i.kind === kind).map((i) => i.item);
    const keys = [...new Set(items.flatMap((i) => Object.keys(i)))].filter((k) => k !== 'pk' && k !== 'sk');
    return h(
      'section',
      { class: `panel table-group group-${kind}`, 'data-group': kind },
      h('h2', {}, titles[kind], h('span', { class: 'group-count' }, items.length)),
      items.length
        ? h(
            'div',
            { class: 'scroll-x' },
            h(
              'table',
              { class: 'table table-compact' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['pk', 'sk', ...keys].map((k) => h('th', {}, k)),
                ),
              ),
              h(
                'tbody',
                {},
                items.map((item) =>
                  h(
                    'tr',
                    {},
                    ['pk', 'sk', ...keys].map((k) =>
                      h(
                        'td',
                        { class: k === 'status' ? `cell-status cell-${item[k]}` : '' },
                        cellText(item[k]),
                      ),
                    ),
                  ),
                ),
              ),
            ),
          )
        : empty('None.'),
    );
  });
  return [
    pageHeader('Tables', `${table.label} · ${table.name}${table.truncated ? ' · first 200 items' : ''}`),
    nav,
    sections,
  ];
}

function cellText(value) {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

// ----------------------------------------------------------------------------------- framework

async function render() {
  const mine = ++generation;
  clearTimeout(timer);
  const { name, arg, params } = route();
  for (const a of document.querySelectorAll('.sidebar a')) {
    const active =
      a.dataset.view === name ||
      (a.dataset.view === 'executions' && name === 'execution') ||
      (a.dataset.view === 'state-machines' && name === 'state-machine');
    a.classList.toggle('active', active);
  }
  let poll = true;
  try {
    let result;
    switch (name) {
      case 'execution':
        result = await executionView(arg, params);
        break;
      case 'state-machines':
        result = await stateMachinesView();
        poll = false;
        break;
      case 'state-machine':
        result = await stateMachineView(arg);
        poll = false;
        break;
      case 'parked':
        result = await parkedView();
        break;
      case 'queues':
        result = await queuesView();
        break;
      case 'tables':
        result = await tablesView(arg);
        break;
      default:
        result = await executionsView(params);
    }
    if (mine !== generation) return;
    if (result && !Array.isArray(result) && result.nodes) {
      poll = result.poll;
      result = result.nodes;
    }
    // Keep what the reader opened (details) and where they were across a refresh.
    const open = [...view.querySelectorAll('details[open] summary')].map((el) => el.textContent);
    view.replaceChildren(...[result].flat(Infinity).filter(Boolean));
    for (const summary of view.querySelectorAll('details summary'))
      if (open.includes(summary.textContent)) summary.parentElement.open = true;
    sizeBars(view);
    view.dataset.ready = `${name}`;
  } catch (error) {
    if (mine !== generation) return;
    view.replaceChildren(errorBox(error));
  }
  updateParkedCount();
  if (poll && mine === generation && name !== 'parked') timer = setTimeout(render, POLL_MS);
}

let countedAt = 0;

/** At most every few seconds: counting reads the parked queues. */
async function updateParkedCount(force = false) {
  if (!force && Date.now() - countedAt < 5000) return;
  countedAt = Date.now();
  try {
    const { parked } = await get('parked');
    const waiting = parked.filter((p) => p.waiting).length;
    const badge = document.getElementById('parked-count');
    badge.textContent = waiting ? String(waiting) : '';
    badge.classList.toggle('hot', waiting > 0);
  } catch {
    // The count is a hint; the parked page shows the error.
  }
}

async function header() {
  try {
    const overview = await get('overview');
    document.getElementById('cloud-info').textContent =
      `${location.host} · ${overview.region} · ${overview.stateMachines} state machines · ${overview.queues} queues · ${overview.tables} tables`;
  } catch {
    // Shown by the views.
  }
}

window.addEventListener('hashchange', render);
header();
render();
