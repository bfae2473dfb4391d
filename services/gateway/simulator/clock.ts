/**
 * Event time of the simulator. Real time: event time is the wall clock (the demo). Accelerated: event
 * time advances `speed` times faster than the wall clock from `startEpochMs` (end-to-end tests, where
 * detection runs on event time: 15 minutes of it pass in 15 s at 60×).
 */

export interface SimClock {
  /** Event time now, epoch ms. */
  now(): number;
  /** Event ms per wall ms. */
  readonly speed: number;
  /** Event time when the clock was created, epoch ms. */
  readonly startEpochMs: number;
}

export function realTimeClock(wallNow: () => number = Date.now): SimClock {
  return { now: wallNow, speed: 1, startEpochMs: wallNow() };
}

/**
 * Kafka 4 refuses records timestamped more than an hour ahead of the broker's clock
 * (`log.message.timestamp.after.max.ms`), so by default accelerated time starts 12 h in the past:
 * at 60× that leaves 13 wall minutes before event time would pass that limit.
 */
export const DEFAULT_ACCELERATED_HEADSTART_MS = 12 * 3_600_000;

export interface AcceleratedClockOptions {
  readonly speed: number;
  /** Default: wall now − 12 h. */
  readonly startEpochMs?: number;
  readonly wallNow?: () => number;
}

export function acceleratedClock(options: AcceleratedClockOptions): SimClock {
  const wallNow = options.wallNow ?? Date.now;
  const wallStart = wallNow();
  const startEpochMs = options.startEpochMs ?? wallStart - DEFAULT_ACCELERATED_HEADSTART_MS;
  const { speed } = options;
  if (!(speed > 0)) throw new RangeError(`speed must be > 0, got ${speed}`);
  return { now: () => startEpochMs + (wallNow() - wallStart) * speed, speed, startEpochMs };
}
