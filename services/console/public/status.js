/* global URLSearchParams, clearInterval, document, fetch, history, location, setInterval */
// The public tenant status page: a tenant sees only its own routing status and the rollbacks that
// affected its tier. No token; refreshes every 10 s.
import { h, fmtTime, replace } from './dom.js';

const $ = (id) => document.getElementById(id);
const current = {
  unknown: 'No deployment information for this tenant.',
  stable: 'All of your traffic is served by the stable version.',
  candidate: 'Part of your traffic is served by a new version being rolled out gradually.',
};
let tenantId = new URLSearchParams(location.search).get('tenant');
let timer;

async function show() {
  if (!tenantId) return;
  $('tenant').value = tenantId;
  const res = await fetch(`/api/status/${encodeURIComponent(tenantId)}`);
  const data = await res.json().catch(() => ({}));
  $('error').hidden = res.ok;
  if (!res.ok) {
    $('error').textContent = data.error ?? `HTTP ${res.status}`;
    $('status').hidden = true;
    return;
  }
  $('status').hidden = false;
  replace(
    $('current'),
    h('span', { class: `badge routing-${data.status}` }, data.status),
    ` ${current[data.status]}`,
    data.tier ? ` (tier ${data.tier})` : '',
  );
  replace(
    $('events'),
    data.events.length > 0
      ? data.events.map((e) =>
          h('li', { class: `event-${e.kind}` }, h('time', {}, fmtTime(e.at)), ' ', e.message),
        )
      : h('li', { class: 'muted' }, 'No changes recorded.'),
  );
}

$('tenant-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  tenantId = $('tenant').value.trim();
  history.replaceState(null, '', `?tenant=${encodeURIComponent(tenantId)}`);
  void show();
});
clearInterval(timer);
timer = setInterval(show, 10_000);
void show();
