/* global TextDecoderStream, clearInterval, fetch, sessionStorage, setInterval, setTimeout */
// The console API from the page: the bearer token (kept in sessionStorage, gone when the tab
// closes), JSON requests, and the live-update stream (SSE read with fetch, since EventSource
// cannot send an Authorization header). Falls back to polling when the stream is down.

const KEY = 'backtrack.console.token';

export const token = {
  get: () => sessionStorage.getItem(KEY) ?? '',
  set: (t) => (t ? sessionStorage.setItem(KEY, t) : sessionStorage.removeItem(KEY)),
};

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { authorization: `Bearer ${token.get()}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, data.error ?? `HTTP ${res.status}`);
  return data;
}

/**
 * Calls onChange() after every change event, and onState('live' | 'polling' | 'unauthorized').
 * Reconnects after 2 s; while disconnected it polls every 5 s.
 */
export function subscribe(onChange, onState) {
  let stopped = false;
  let poll;
  const startPolling = () => {
    poll ??= setInterval(onChange, 5_000);
  };
  const stopPolling = () => {
    clearInterval(poll);
    poll = undefined;
  };
  async function connect() {
    while (!stopped) {
      if (!token.get()) {
        onState('unauthorized');
        await sleep(500);
        continue;
      }
      try {
        const res = await fetch('/api/events', { headers: { authorization: `Bearer ${token.get()}` } });
        if (res.status === 401 || res.status === 403) {
          onState('unauthorized');
          stopPolling();
          await sleep(2_000);
          continue;
        }
        if (!res.ok || res.body === null) throw new Error(`HTTP ${res.status}`);
        stopPolling();
        onState('live');
        await readEvents(res.body, (event) => {
          if (event === 'change' || event === 'hello') onChange();
        });
      } catch {
        // reconnect below
      }
      if (stopped) return;
      onState('polling');
      startPolling();
      await sleep(2_000);
    }
  }
  void connect();
  return () => {
    stopped = true;
    stopPolling();
  };
}

async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const line = block.split('\n').find((l) => l.startsWith('event:'));
      if (line) onEvent(line.slice(6).trim());
    }
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
