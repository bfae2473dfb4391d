/**
 * Results of the fault tests as `fault-result {json}` lines on stdout, which
 * docs/RELIABILITY.md quotes from the last run (`npm run test:fault | grep fault-result`).
 */

/** Counts one outcome. */
export function tally(seen: Map<string, number>, outcome: string): void {
  seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
}

/** Prints one result line: what was tried, how many times, and what came of it. */
export function recordResult(what: string, outcomes: Map<string, number> | Record<string, unknown>): void {
  const o = outcomes instanceof Map ? Object.fromEntries(outcomes) : outcomes;
  const total = outcomes instanceof Map ? [...outcomes.values()].reduce((a, b) => a + b, 0) : undefined;
  console.log(
    `fault-result ${JSON.stringify({ what, ...(total === undefined ? {} : { total }), outcomes: o })}`,
  );
}
