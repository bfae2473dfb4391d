/**
 * Webhook targets from `BACKTRACK_WEBHOOK_URLS`: a comma-separated list, each entry one of
 *
 *   https://ops.example.com/hooks/backtrack         generic: the notification as JSON
 *   slack:https://hooks.slack.com/services/T/B/X    Slack incoming webhook
 *   pagerduty:<routingKey>@https://events.pagerduty.com/v2/enqueue   PagerDuty Events API v2
 *
 * URLs must be http(s) and must not contain a comma (write `%2C`). Webhook URLs and routing keys are
 * credentials: nothing here ever prints them, only the kind and host.
 */
import { createHash } from 'node:crypto';

export type WebhookKind = 'generic' | 'slack' | 'pagerduty';

export interface WebhookTarget {
  /** Stable across restarts for the same entry; names the target in the outbox, logs and the DLQ. */
  readonly id: string;
  readonly kind: WebhookKind;
  readonly url: string;
  /** PagerDuty only. */
  readonly routingKey?: string;
  /** Host of the URL: safe to log. */
  readonly host: string;
}

export type TargetsParse =
  | { readonly ok: true; readonly targets: WebhookTarget[] }
  | { readonly ok: false; readonly issues: string[] };

const ROUTING_KEY = /^[A-Za-z0-9_-]{1,128}$/;
/** Longest accepted webhook URL, characters (browsers and proxies cut at about 2 000). */
export const MAX_WEBHOOK_URL_LENGTH = 2_048;

/** Parses the variable's value (undefined or blank: no targets); every bad entry is one issue. */
export function parseWebhookTargets(raw: string | undefined): TargetsParse {
  if (raw === undefined || raw.trim() === '') return { ok: true, targets: [] };
  const targets: WebhookTarget[] = [];
  const issues: string[] = [];
  raw.split(',').forEach((part, i) => {
    const entry = part.trim();
    const parsed = parseEntry(entry);
    if (typeof parsed === 'string') issues.push(`entry ${i + 1}: ${parsed}`);
    else if (targets.some((t) => t.id === parsed.id))
      issues.push(`entry ${i + 1}: duplicate of an earlier entry`);
    else targets.push(parsed);
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, targets };
}

function parseEntry(entry: string): WebhookTarget | string {
  if (entry === '') return 'empty (two commas in a row, or a trailing comma)';
  if (entry.startsWith('slack:')) return target('slack', entry.slice('slack:'.length));
  if (entry.startsWith('pagerduty:')) {
    const rest = entry.slice('pagerduty:'.length);
    const at = rest.indexOf('@');
    if (at <= 0) return 'expected pagerduty:<routingKey>@<http(s) URL>';
    const routingKey = rest.slice(0, at);
    if (!ROUTING_KEY.test(routingKey)) return 'pagerduty routing key must be 1..128 letters, digits, - or _';
    return target('pagerduty', rest.slice(at + 1), routingKey);
  }
  return target('generic', entry);
}

function target(kind: WebhookKind, url: string, routingKey?: string): WebhookTarget | string {
  if (url.length > MAX_WEBHOOK_URL_LENGTH)
    return `${kind}: URL longer than ${MAX_WEBHOOK_URL_LENGTH} characters (${url.length})`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${kind}: expected an http(s) URL${kind === 'generic' ? ', slack:<URL> or pagerduty:<routingKey>@<URL>' : ''}`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return `${kind}: expected an http(s) URL, got a ${parsed.protocol.slice(0, 16)} URL`;
  const digest = createHash('sha256')
    .update(`${kind}\n${url}\n${routingKey ?? ''}`)
    .digest('hex')
    .slice(0, 10);
  return {
    id: `${kind}-${digest}`,
    kind,
    url,
    host: parsed.host,
    ...(routingKey === undefined ? {} : { routingKey }),
  };
}
