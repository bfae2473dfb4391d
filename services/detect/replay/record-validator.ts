/**
 * Validation of one decoded JSON record against its Avro schema (schemas/*.avsc is the single source of
 * truth), plus the plausibility checks Avro cannot express (finite, non-negative, sane timestamps).
 */
import avro from 'avsc';
import { avroSchemas, type SchemaName } from '../../../schemas/index.ts';

/** The outcome of validating one record: the record with its defaults filled in, or why it is invalid. */
export type RecordCheck<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Earliest and latest plausible event time, epoch ms (2000-01-01 … 2100-01-01). */
export const PLAUSIBLE_TIME_MS = { min: 946_684_800_000, max: 4_102_444_800_000 } as const;

/** A compiled validator for one record schema. */
export interface RecordValidator<T> {
  readonly name: SchemaName;
  check(value: unknown): RecordCheck<T>;
}

/**
 * Builds a validator for a schema of `schemas/index.ts`. Missing fields that have a schema default
 * (optional `["null", …]` unions, defaulted arrays and strings) take that default before validation,
 * since JSON lines may leave them out. The object is completed in place.
 */
export function createRecordValidator<T>(name: SchemaName): RecordValidator<T> {
  const type = avro.Type.forSchema(avroSchemas[name] as avro.Schema) as avro.types.RecordType;
  const fillDefaults = compileDefaultFiller(type);
  return {
    name,
    check(value: unknown): RecordCheck<T> {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return { ok: false, reason: `${name}: not a JSON object` };
      }
      const record = value as Record<string, unknown>;
      fillDefaults(record);
      if (type.isValid(record)) return { ok: true, value: record as T };
      return { ok: false, reason: `${name}: ${firstSchemaError(type, record)}` };
    },
  };
}

/**
 * `record.f === undefined && (record.f = default)` for every field with a default, as straight-line code
 * (as avsc compiles its own checkers): a loop over field names made this ~5× slower per record. Field
 * names are Avro names ([A-Za-z_][A-Za-z0-9_]*), safe to inline.
 */
function compileDefaultFiller(type: avro.types.RecordType): (record: Record<string, unknown>) => void {
  const fields = type.fields.filter((f) => f.defaultValue() !== undefined);
  const makers = fields.map((f) => () => f.defaultValue());
  const body = fields.map((f, i) => `if (r.${f.name} === undefined) r.${f.name} = d[${i}]();`).join('\n');
  const filler = new Function('d', `return function fillDefaults(r) {\n${body}\n};`) as (
    d: Array<() => unknown>,
  ) => (record: Record<string, unknown>) => void;
  return filler(makers);
}

function firstSchemaError(type: avro.Type, record: unknown): string {
  let found: string | undefined;
  type.isValid(record, {
    errorHook(path: string[], got: unknown, expected: avro.Type) {
      if (found !== undefined) return;
      const field = path.length > 0 ? path.join('.') : '(record)';
      const shown = got === undefined ? 'missing' : `got ${JSON.stringify(got)}`;
      found = `field ${field}: expected ${describeType(expected)}, ${shown}`;
    },
  });
  return found ?? 'invalid';
}

function describeType(t: avro.Type): string {
  const schema = t.schema() as unknown;
  if (typeof schema === 'string') return schema;
  if (Array.isArray(schema)) return schema.map((s) => (typeof s === 'string' ? s : t.typeName)).join('|');
  const s = schema as { type?: string; name?: string; symbols?: string[] };
  if (s.symbols) return `one of ${s.symbols.join('|')}`;
  return s.name ?? s.type ?? t.typeName;
}
