/**
 * When (wall clock) the events of each event-time second were acknowledged by the broker. End-to-end
 * tests measure "breach → routing command" latency from it: the breach is known in event time, the
 * routing command arrives in wall time. Bounded: the oldest seconds are forgotten beyond `maxSeconds`.
 */

export interface WallSpan {
  /** Wall clock of the first acknowledgement of an event of that second, epoch ms. */
  readonly first: number;
  /** ... and of the last one. */
  readonly last: number;
}

export class WallClockIndex {
  readonly maxSeconds: number;
  readonly #spans = new Map<number, { first: number; last: number }>();

  /** Default: one day of event-time seconds (about 7 MB at most). */
  constructor(maxSeconds = 86_400) {
    this.maxSeconds = maxSeconds;
  }

  /** Records that events with these event times (ms) were acknowledged at `wallMs`. */
  record(eventTimes: readonly number[], wallMs: number): void {
    let previous = Number.NaN;
    for (const t of eventTimes) {
      const second = Math.floor(t / 1000);
      if (second === previous) continue;
      previous = second;
      const span = this.#spans.get(second);
      if (span === undefined) this.#spans.set(second, { first: wallMs, last: wallMs });
      else {
        span.first = Math.min(span.first, wallMs);
        span.last = Math.max(span.last, wallMs);
      }
    }
    while (this.#spans.size > this.maxSeconds) {
      const oldest = this.#spans.keys().next().value;
      if (oldest === undefined) break;
      this.#spans.delete(oldest);
    }
  }

  /** The span of the event-time second containing `eventTimeMs`, if any event of it was produced. */
  at(eventTimeMs: number): WallSpan | undefined {
    return this.#spans.get(Math.floor(eventTimeMs / 1000));
  }

  /**
   * Wall clock by which every event up to `eventTimeMs` had been acknowledged: the `last` of the
   * latest recorded second at or before it, looking back at most `lookbackSeconds`.
   */
  producedBy(eventTimeMs: number, lookbackSeconds = 300): number | undefined {
    const second = Math.floor(eventTimeMs / 1000);
    for (let s = second; s > second - lookbackSeconds; s--) {
      const span = this.#spans.get(s);
      if (span !== undefined) return span.last;
    }
    return undefined;
  }

  get size(): number {
    return this.#spans.size;
  }
}
