/**
 * JSON-lines form of a decision: the RollbackDecision fields in the schema's order (nested records
 * too), so the output bytes depend only on the decision's values.
 */
import avro from 'avsc';
import { avroSchemas } from '../../../schemas/index.ts';
import type { RollbackDecision } from '../../../schemas/types.ts';

const decisionType = avro.Type.forSchema(avroSchemas.RollbackDecision as avro.Schema);

/** A decision stage 2 produced that does not match its own schema: a programmer error, not retriable. */
export class InvalidDecisionError extends Error {
  readonly retriable = false;
  constructor(
    readonly decisionId: string,
    readonly reason: string,
  ) {
    super(`decision ${decisionId} does not match the RollbackDecision schema: ${reason}`);
    this.name = 'InvalidDecisionError';
  }
}

/** The value with record keys in schema order; unions of the decision schema hold only primitives. */
function ordered(type: avro.Type, value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (type instanceof avro.types.RecordType) {
    const src = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const f of type.fields) out[f.name] = ordered(f.type, src[f.name]);
    return out;
  }
  if (type instanceof avro.types.ArrayType)
    return (value as unknown[]).map((v) => ordered(type.itemsType, v));
  return value;
}

/** One output line (without the newline). Throws InvalidDecisionError on a malformed decision. */
export function decisionToJsonLine(decision: RollbackDecision): string {
  let problem: string | undefined;
  const valid = decisionType.isValid(decision, {
    errorHook(path: string[], got: unknown) {
      problem ??= `field ${path.join('.')}: got ${JSON.stringify(got)}`;
    },
  });
  if (!valid) throw new InvalidDecisionError(decision.decisionId, problem ?? 'invalid');
  return JSON.stringify(ordered(decisionType, decision), (key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      throw new InvalidDecisionError(decision.decisionId, `field ${key}: non-finite number ${v}`);
    }
    return v;
  });
}
