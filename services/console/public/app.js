/* global URLSearchParams, document, history, location, prompt, window */
// The dashboard: active rollouts, per tier and tenant ALERT scores over time, decisions with
// evidence, pending approvals with approve / reject. Re-fetches on every live change event.
import { api, subscribe, token } from './api.js';
import { scoreChart } from './charts.js';
import { decisionCard } from './decisions.js';
import { h, fmtScore, fmtTime, replace } from './dom.js';

const $ = (id) => document.getElementById(id);
let selected = new URLSearchParams(location.hash.slice(1)).get('rollout');
let running = false;
/** The decision whose answer was sent from this page and is not yet settled at reversion. */
let awaiting = null;
let again = false;

function say(text, kind = 'info') {
  const m = $('message');
  m.hidden = !text;
  m.textContent = text ?? '';
  m.dataset.kind = kind;
}

async function answer(d, verdict, body) {
  try {
    const { approval } = await api(`/api/decisions/${encodeURIComponent(d.decisionId)}/${verdict}`, {
      method: 'POST',
      body,
    });
    awaiting = d.decisionId;
    say(
      `${verdict === 'approve' ? 'Approval' : 'Rejection'} of ${d.decisionId} sent as ${approval.actor}; waiting for reversion…`,
    );
  } catch (e) {
    say(`${verdict} failed: ${e.message}`, 'error');
  }
  void refresh();
}

async function abort(rolloutId) {
  const reason = prompt(`Abort rollout ${rolloutId}? Reason:`);
  if (!reason) return;
  try {
    const { command } = await api(`/api/rollouts/${encodeURIComponent(rolloutId)}/abort`, {
      method: 'POST',
      body: { reason },
    });
    say(`Abort of ${rolloutId} sent as ${command.actor}.`);
  } catch (e) {
    say(`abort failed: ${e.message}`, 'error');
  }
  void refresh();
}

function renderRollouts(rollouts) {
  const rows = rollouts.map((r) =>
    h(
      'tr',
      {
        class: r.rolloutId === selected ? 'selected' : '',
        'data-rollout': r.rolloutId,
        onclick: () => select(r.rolloutId),
      },
      h('td', {}, h('a', { href: `#rollout=${encodeURIComponent(r.rolloutId)}` }, r.rolloutId)),
      h('td', {}, h('span', { class: `badge rollout-${r.status}` }, r.status)),
      h('td', {}, r.strategy ?? '–'),
      h(
        'td',
        {},
        `${r.tenants} (${Object.entries(r.tiers)
          .map(([t, n]) => `${t} ${n}`)
          .join(', ')})`,
      ),
      h('td', {}, String(r.degradedTenants)),
      h('td', {}, fmtScore(r.maxComposite)),
      h('td', {}, r.pendingApprovals > 0 ? h('strong', {}, String(r.pendingApprovals)) : '0'),
      h('td', {}, fmtTime(r.updatedAt)),
    ),
  );
  replace(
    $('rollouts').tBodies[0],
    rows.length > 0 ? rows : h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'no rollouts yet')),
  );
}

function renderDetail(d) {
  $('detail').hidden = false;
  replace($('detail-title'), `Rollout ${d.rolloutId}`);
  replace(
    $('detail-meta'),
    h('span', { class: `badge rollout-${d.status}` }, d.status),
    ` ${d.strategy ?? ''} · candidate ${d.candidateBundleId ?? '?'} · baseline ${d.baselineBundleId ?? '?'} · canary ${d.canaryPercent ?? '–'} % `,
    ['running', 'paused', 'unknown'].includes(d.status)
      ? h('button', { type: 'button', class: 'abort', onclick: () => abort(d.rolloutId) }, 'Abort rollout')
      : null,
  );
  scoreChart(
    $('chart-tiers'),
    'ALERT composite per tier (max solid, mean dashed)',
    d.tierSeries.flatMap((s, color) => [
      { label: `${s.tier} max`, color, points: s.points.map((p) => ({ t: p.t, y: p.max })) },
      { label: `${s.tier} mean`, color, points: s.points.map((p) => ({ t: p.t, y: p.mean })), dash: true },
    ]),
  );
  const last = (t) => t.scores.at(-1);
  const top = [...d.tenantList]
    .sort((a, b) => (last(b)?.composite ?? -1) - (last(a)?.composite ?? -1))
    .slice(0, 8);
  scoreChart(
    $('chart-tenants'),
    'ALERT composite per tenant (8 highest)',
    top.map((t) => ({ label: t.tenantId, points: t.scores.map((p) => ({ t: p.t, y: p.composite })) })),
  );
  replace(
    $('tenants').tBodies[0],
    d.tenantList.map((t) =>
      h(
        'tr',
        { 'data-tenant': t.tenantId },
        h('td', {}, t.tenantId),
        h('td', {}, t.tier),
        h('td', {}, h('span', { class: `badge routing-${t.routing}` }, t.routing.replace('_', ' '))),
        h('td', {}, fmtScore(last(t)?.composite)),
        h('td', {}, last(t)?.verdict ?? '–'),
        h('td', {}, fmtTime(last(t)?.t)),
      ),
    ),
  );
  replace(
    $('decisions'),
    d.decisions.length > 0
      ? d.decisions.map((x) => decisionCard(x, answer))
      : h('p', { class: 'muted' }, 'no decisions'),
  );
  replace(
    $('audit').tBodies[0],
    [...d.audit]
      .reverse()
      .slice(0, 30)
      .map((e) =>
        h(
          'tr',
          {},
          h('td', {}, String(e.seq)),
          h('td', {}, fmtTime(e.at)),
          h('td', {}, e.kind),
          h('td', {}, e.actor),
          h('td', {}, h('code', {}, e.subjectId)),
          h('td', {}, outcomeOf(e.details)),
        ),
      ),
  );
}

function outcomeOf(details) {
  try {
    return JSON.parse(details).outcome ?? '';
  } catch {
    return '';
  }
}

function select(id) {
  selected = id;
  history.replaceState(null, '', `#rollout=${encodeURIComponent(id)}`);
  void refresh();
}

async function refresh() {
  if (running) {
    again = true;
    return;
  }
  if (!token.get()) {
    say('Enter a token above to see the rollouts.', 'auth');
    return;
  }
  running = true;
  try {
    const [{ rollouts }, { decisions }] = await Promise.all([
      api('/api/rollouts'),
      api('/api/decisions?pending=1'),
    ]);
    selected ??= rollouts.find((r) => r.status === 'running')?.rolloutId ?? rollouts[0]?.rolloutId ?? null;
    renderRollouts(rollouts);
    replace(
      $('pending'),
      decisions.length > 0
        ? decisions.map((d) => decisionCard(d, answer))
        : h('p', { class: 'muted', id: 'no-pending' }, 'nothing waits for a human'),
    );
    if (selected) renderDetail(await api(`/api/rollouts/${encodeURIComponent(selected)}`));
    if (awaiting && !decisions.some((d) => d.decisionId === awaiting)) {
      const { decisions: all } = await api('/api/decisions');
      const settled = all.find((d) => d.decisionId === awaiting);
      if (settled && settled.status !== 'received') {
        say(`${awaiting}: ${settled.status.replace('_', ' ')} (${settled.resolvedBy ?? 'reversion'}).`);
        awaiting = null;
      }
    }
    if ($('message').dataset.kind === 'auth') say('');
  } catch (e) {
    if (e.status === 401 || e.status === 403) say(`${e.message}: enter a valid token above.`, 'auth');
    else say(`refresh failed: ${e.message}`, 'error');
  } finally {
    running = false;
    if (again) {
      again = false;
      void refresh();
    }
  }
}

$('token').value = token.get();
$('token-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  token.set($('token').value.trim());
  void refresh();
});
window.addEventListener('hashchange', () => {
  selected = new URLSearchParams(location.hash.slice(1)).get('rollout') ?? selected;
  void refresh();
});
subscribe(refresh, (state) => {
  const live = $('live');
  live.dataset.state = state;
  live.textContent = state;
});
void refresh();
