/**
 * Notifications reversion asks the service to deliver, and pure formatters for the Slack incoming
 * webhook and the PagerDuty Events API v2. Delivery, retries and `notification_failed` audit events
 * belong to the service.
 */

export type NotificationKind =
  | 'approval_requested'
  | 'approval_resolved'
  | 'refused'
  | 'rolled_back'
  | 'rollout_halted'
  | 'rollout_aborted'
  | 'onboarding_paused';

/** PagerDuty's severities, also used for Slack. */
export type Severity = 'critical' | 'error' | 'warning' | 'info';

export interface Notification {
  kind: NotificationKind;
  rolloutId: string;
  summary: string;
  severity: Severity;
  decisionId?: string;
}

export interface SlackPayload {
  text: string;
  blocks: Array<
    | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
    | { type: 'context'; elements: Array<{ type: 'mrkdwn'; text: string }> }
  >;
}

const SLACK_ICON: Record<Severity, string> = {
  critical: ':rotating_light:',
  error: ':x:',
  warning: ':warning:',
  info: ':information_source:',
};

/** A Slack incoming-webhook body: `text` is the fallback shown in notifications. */
export function toSlackPayload(n: Notification): SlackPayload {
  const text = `${SLACK_ICON[n.severity]} [${n.severity.toUpperCase()}] ${n.summary}`;
  const context = [`*rollout* \`${n.rolloutId}\``, `*kind* ${n.kind}`];
  if (n.decisionId !== undefined) context.push(`*decision* \`${n.decisionId}\``);
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      { type: 'context', elements: context.map((t) => ({ type: 'mrkdwn', text: t })) },
    ],
  };
}

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  payload: {
    summary: string;
    severity: Severity;
    source: string;
    component: string;
    group: string;
    class: string;
    custom_details: Record<string, string>;
  };
}

const PD_SUMMARY_MAX = 1024;

/**
 * A PagerDuty Events API v2 event. `dedup_key` is per decision (else per rollout and kind), so
 * `approval_resolved` resolves the incident its `approval_requested` opened.
 */
export function toPagerDutyPayload(n: Notification, routingKey: string): PagerDutyEvent {
  const subject = n.decisionId ?? n.kind;
  const details: Record<string, string> = { rolloutId: n.rolloutId, kind: n.kind };
  if (n.decisionId !== undefined) details.decisionId = n.decisionId;
  return {
    routing_key: routingKey,
    event_action: n.kind === 'approval_resolved' ? 'resolve' : 'trigger',
    dedup_key: `backtrack/${n.rolloutId}/${subject}`,
    payload: {
      summary: n.summary.length > PD_SUMMARY_MAX ? `${n.summary.slice(0, PD_SUMMARY_MAX - 1)}…` : n.summary,
      severity: n.severity,
      source: 'backtrack-reversion',
      component: 'reversion',
      group: n.rolloutId,
      class: n.kind,
      custom_details: details,
    },
  };
}
