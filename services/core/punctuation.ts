/**
 * Punctuator bookkeeping of one partition task: which punctuators are due at a given time. Pure:
 * time comes in as an argument. Stream-time punctuators fire at epoch-aligned multiples of their
 * interval (a window of 60 000 ms closes when stream time passes 12:01:00.000, whatever the start).
 */
import type { Cancellable, PunctuationType, Punctuator } from './processor-context.ts';
import { ProgrammerError } from './errors.ts';

interface Entry {
  readonly intervalMs: number;
  readonly type: PunctuationType;
  readonly fn: Punctuator;
  /** ms; undefined until the first time observation (stream-time). */
  next: number | undefined;
  cancelled: boolean;
}

export interface Due {
  readonly fn: Punctuator;
  readonly timestampMs: number;
}

const alignedAfter = (t: number, interval: number): number => Math.floor(t / interval) * interval + interval;

export class PunctuationSchedule {
  readonly #entries: Entry[] = [];

  /** `nowMs`: current wall-clock time, for wall-clock punctuators. */
  add(intervalMs: number, type: PunctuationType, fn: Punctuator, nowMs: number): Cancellable {
    if (!(Number.isFinite(intervalMs) && intervalMs > 0)) {
      throw new ProgrammerError(`punctuation interval must be > 0 ms, got ${intervalMs}`);
    }
    const entry: Entry = {
      intervalMs,
      type,
      fn,
      next: type === 'wall-clock' ? nowMs + intervalMs : undefined,
      cancelled: false,
    };
    this.#entries.push(entry);
    return {
      cancel: () => {
        entry.cancelled = true;
        this.#entries.splice(this.#entries.indexOf(entry), 1);
      },
    };
  }

  /** Smallest wall-clock interval, ms, or undefined when there is none (to size the runtime's timer). */
  minWallClockIntervalMs(): number | undefined {
    const wall = this.#entries.filter((e) => e.type === 'wall-clock').map((e) => e.intervalMs);
    return wall.length === 0 ? undefined : Math.min(...wall);
  }

  /**
   * Punctuators of `type` due at `timeMs`, each once, with their next time moved past `timeMs`.
   * A stream-time punctuator's first observation only sets its next time.
   */
  due(type: PunctuationType, timeMs: number): Due[] {
    if (!Number.isFinite(timeMs)) return [];
    const out: Due[] = [];
    for (const e of this.#entries) {
      if (e.type !== type || e.cancelled) continue;
      if (e.next === undefined) {
        e.next = alignedAfter(timeMs, e.intervalMs);
      } else if (timeMs >= e.next) {
        out.push({ fn: e.fn, timestampMs: timeMs });
        e.next = type === 'stream-time' ? alignedAfter(timeMs, e.intervalMs) : timeMs + e.intervalMs;
      }
    }
    return out;
  }
}
