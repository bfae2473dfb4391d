/**
 * The JSON body POSTed to one webhook target for one notification, capped in size: an oversized
 * summary is cut (ending in `…`) until the body fits.
 */
import { toPagerDutyPayload, toSlackPayload, type Notification } from './core/index.ts';
import type { WebhookTarget } from './webhook-targets.ts';

/** Body of a generic target: the notification itself, tagged with its source. */
export interface GenericPayload extends Notification {
  source: 'backtrack-reversion';
}

/** Default cap of a body, bytes (Slack accepts ~40 kB of text; PagerDuty 512 kB per event). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 16 * 1024;

const ELLIPSIS = '…';

function render(target: WebhookTarget, n: Notification): string {
  if (target.kind === 'slack') return JSON.stringify(toSlackPayload(n));
  if (target.kind === 'pagerduty') return JSON.stringify(toPagerDutyPayload(n, target.routingKey ?? ''));
  const body: GenericPayload = { source: 'backtrack-reversion', ...n };
  return JSON.stringify(body);
}

/** The body (UTF-8 JSON text) of `n` for `target`, at most `maxBytes` unless the fixed fields alone exceed it. */
export function webhookBody(
  target: WebhookTarget,
  n: Notification,
  maxBytes = DEFAULT_MAX_PAYLOAD_BYTES,
): string {
  let summary = n.summary;
  let body = render(target, n);
  for (;;) {
    const over = Buffer.byteLength(body, 'utf8') - maxBytes;
    if (over <= 0 || summary.length === 0) return body;
    const keep = Math.max(0, summary.length - over - ELLIPSIS.length);
    summary = keep === 0 ? '' : `${summary.slice(0, keep)}${ELLIPSIS}`;
    body = render(target, { ...n, summary });
  }
}
