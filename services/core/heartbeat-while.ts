/**
 * Waiting inside kafkajs' `eachBatch` without losing the group: kafkajs sends heartbeats only when the
 * handler calls `heartbeat()`, so a handler that waits (for its task to be restored, for the task's
 * lock held by a long punctuation) must keep calling it or the coordinator drops the member after
 * the session timeout.
 */

/**
 * Resolves as `work` does, calling `heartbeat` every `everyMs` (wall ms) until then. With
 * `ignoreErrors`, a failed heartbeat (a rebalance in progress) does not end the wait: the caller
 * checks `isStale()` once it holds what it waited for.
 */
export async function heartbeatWhile<T>(
  work: Promise<T>,
  heartbeat: () => Promise<void>,
  options: { everyMs?: number; ignoreErrors?: boolean } = {},
): Promise<T> {
  const done = work.then(
    () => true,
    () => true,
  );
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const settled = await Promise.race([
      done,
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), options.everyMs ?? 1_000))),
    ]).finally(() => clearTimeout(timer));
    if (settled) return work;
    if (options.ignoreErrors === true) await heartbeat().catch(() => undefined);
    else await heartbeat();
  }
}
