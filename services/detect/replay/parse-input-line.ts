/**
 * Decoding of one line of a replay input file: JSON, the `type` discriminator, Avro validation and
 * plausibility. Pure; the caller owns the file and the line numbers.
 */
import type { EvalEvent, RolloutCommand, TelemetryEvent } from '../../../schemas/types.ts';
import { implausibleEval, implausibleRollout, implausibleTelemetry } from './plausibility.ts';
import { createRecordValidator, type RecordValidator } from './record-validator.ts';

/** One valid input of a replay, in file order. */
export type ReplayInput =
  | { type: 'telemetry'; event: TelemetryEvent }
  | { type: 'eval'; event: EvalEvent }
  | { type: 'rollout'; command: RolloutCommand };

/** A line that cannot be replayed, with a human-readable reason. */
export interface InvalidLine {
  type: 'invalid';
  reason: string;
}

/** The verdict on one line: a replay input, a blank line to skip, or an invalid line. */
export type ParsedLine = ReplayInput | InvalidLine | { type: 'blank' };

const validators = {
  telemetry: createRecordValidator<TelemetryEvent>('TelemetryEvent'),
  eval: createRecordValidator<EvalEvent>('EvalEvent'),
  rollout: createRecordValidator<RolloutCommand>('RolloutCommand'),
} satisfies Record<ReplayInput['type'], RecordValidator<unknown>>;

const OPEN_BRACE = 123;
const BLANK: ParsedLine = Object.freeze({ type: 'blank' });

/** Decodes one JSON line; never throws. */
export function parseInputLine(line: string): ParsedLine {
  if (line.charCodeAt(0) !== OPEN_BRACE && line.trim() === '') return BLANK;
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    return { type: 'invalid', reason: `bad JSON: ${(err as Error).message}` };
  }
  return decodeRecord(raw);
}

/** Validates an already-parsed JSON value; `type` is `telemetry` when absent. */
export function decodeRecord(raw: unknown): ParsedLine {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { type: 'invalid', reason: 'not a JSON object' };
  }
  const kind = (raw as { type?: unknown }).type ?? 'telemetry';
  switch (kind) {
    case 'telemetry': {
      const r = validators.telemetry.check(raw);
      return r.ok
        ? checkPlausible({ type: 'telemetry', event: r.value })
        : { type: 'invalid', reason: r.reason };
    }
    case 'eval': {
      const r = validators.eval.check(raw);
      return r.ok ? checkPlausible({ type: 'eval', event: r.value }) : { type: 'invalid', reason: r.reason };
    }
    case 'rollout': {
      const r = validators.rollout.check(raw);
      return r.ok
        ? checkPlausible({ type: 'rollout', command: r.value })
        : { type: 'invalid', reason: r.reason };
    }
    default:
      return { type: 'invalid', reason: `unknown type ${JSON.stringify(kind)} (telemetry | eval | rollout)` };
  }
}

/**
 * The plausibility checks of a schema-valid record (for inputs already typed by their schema, such as
 * Avro-decoded records): the input itself, or why it cannot be replayed.
 */
export function checkPlausible(input: ReplayInput): ReplayInput | InvalidLine {
  let why: string | undefined;
  switch (input.type) {
    case 'telemetry':
      why = implausibleTelemetry(input.event);
      return why ? { type: 'invalid', reason: `TelemetryEvent: ${why}` } : input;
    case 'eval':
      why = implausibleEval(input.event);
      return why ? { type: 'invalid', reason: `EvalEvent: ${why}` } : input;
    case 'rollout':
      why = implausibleRollout(input.command);
      return why ? { type: 'invalid', reason: `RolloutCommand: ${why}` } : input;
  }
}
