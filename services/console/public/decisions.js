// A decision as a card: what, why (reasons and evidence), its status at reversion, and, while it
// waits for a human, the approve / reject controls with a scope (whole, tiers, or tenants).
import { h, fmtNum, fmtScore, fmtTime } from './dom.js';

function evidenceTable(evidence) {
  if (evidence.length === 0) return h('p', { class: 'muted' }, 'no evidence recorded');
  return h(
    'table',
    { class: 'grid evidence' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['metric', 'tenant', 'candidate', 'baseline', 'statistic', 'samples (cand/base)'].map((c) =>
          h('th', {}, c),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      evidence.map((e) =>
        h(
          'tr',
          {},
          h('td', {}, e.metric),
          h('td', {}, e.tenantId ?? 'pooled'),
          h('td', {}, fmtNum(e.candidate)),
          h('td', {}, fmtNum(e.baseline)),
          h('td', {}, `${fmtNum(e.statistic)} ${e.statisticKind}`),
          h('td', {}, `${e.samplesCandidate} / ${e.samplesBaseline}`),
        ),
      ),
    ),
  );
}

function answerControls(d, onAnswer) {
  const scope = h(
    'select',
    { class: 'scope', 'aria-label': 'scope' },
    h('option', { value: 'whole' }, 'whole decision'),
    d.tiers.length > 0 ? h('option', { value: 'tiers' }, 'only tiers…') : null,
    h('option', { value: 'tenants' }, 'only tenants…'),
  );
  const list = h('input', {
    class: 'scope-list',
    placeholder: 'comma-separated',
    hidden: true,
    'aria-label': 'scope list',
  });
  scope.addEventListener('change', () => (list.hidden = scope.value === 'whole'));
  const reason = h('input', { class: 'reason', placeholder: 'reason (optional)', 'aria-label': 'reason' });
  const body = () => {
    const items = list.value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return {
      reason: reason.value,
      ...(scope.value === 'tiers' ? { tiers: items } : {}),
      ...(scope.value === 'tenants' ? { tenantIds: items } : {}),
    };
  };
  const button = (verdict, label) =>
    h(
      'button',
      {
        class: verdict,
        type: 'button',
        onclick: (ev) => {
          ev.target.disabled = true;
          onAnswer(d, verdict, body());
        },
      },
      label,
    );
  return h(
    'div',
    { class: 'answer' },
    scope,
    list,
    reason,
    button('approve', 'Approve'),
    button('reject', 'Reject'),
  );
}

/** onAnswer(decision, 'approve' | 'reject', body) is called by the buttons of a pending decision. */
export function decisionCard(d, onAnswer) {
  const tenants =
    d.tenantIds.length > 10
      ? `${d.tenantIds.slice(0, 10).join(', ')} … (+${d.tenantIds.length - 10})`
      : d.tenantIds.join(', ');
  return h(
    'article',
    { class: `decision status-${d.status}`, 'data-decision': d.decisionId },
    h(
      'header',
      {},
      h('span', { class: 'action' }, d.action ?? 'unknown action'),
      h('span', { class: 'badge status' }, d.status.replace('_', ' ')),
      d.mode ? h('span', { class: 'badge' }, d.mode.replace('_', ' ')) : null,
      d.dryRun ? h('span', { class: 'badge' }, 'dry run') : null,
      h('code', {}, d.decisionId),
    ),
    h(
      'dl',
      {},
      h('dt', {}, 'rollout'),
      h('dd', {}, d.rolloutId),
      h('dt', {}, `tenants (${d.tenantIds.length})`),
      h('dd', {}, tenants || '–'),
      h('dt', {}, 'tiers'),
      h('dd', {}, d.tiers.join(', ') || '–'),
      h('dt', {}, 'ALERT / breadth'),
      h('dd', {}, `${fmtScore(d.compositeScore)} / ${fmtScore(d.breadth)}`),
      h('dt', {}, 'decided at'),
      h('dd', {}, fmtTime(d.decidedAt)),
      d.deadline ? [h('dt', {}, 'approval deadline'), h('dd', {}, fmtTime(d.deadline))] : null,
      d.resolvedBy
        ? [
            h('dt', {}, 'resolved by'),
            h('dd', { class: 'resolved-by' }, `${d.resolvedBy} at ${fmtTime(d.statusAt)}`),
          ]
        : null,
      d.note ? [h('dt', {}, 'note'), h('dd', {}, d.note)] : null,
    ),
    d.reasons.length > 0
      ? h(
          'ul',
          { class: 'reasons' },
          d.reasons.map((r) => h('li', {}, r)),
        )
      : null,
    evidenceTable(d.evidence),
    d.approvals.length > 0
      ? h(
          'ul',
          { class: 'approvals' },
          d.approvals.map((a) =>
            h(
              'li',
              {},
              `${a.verdict} by ${a.actor} at ${fmtTime(a.answeredAt)} → ${a.outcome ?? 'sent, waiting for reversion'}`,
            ),
          ),
        )
      : null,
    d.status === 'pending_approval' && onAnswer ? answerControls(d, onAnswer) : null,
  );
}
