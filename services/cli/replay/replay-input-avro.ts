/**
 * The Avro form of a replay input: an Avro object container file whose schema is the union
 * [TelemetryEvent, EvalEvent, RolloutCommand] of schemas/*.avsc, one record per input in file order.
 * This module maps between that union's branches and `ReplayInput`.
 */
import avro from 'avsc';
import { avroSchemas } from '../../../schemas/index.ts';
import { forEachAvroRecord } from '../io/avro-file-reader.ts';
import type { LineSource } from '../io/line-reader.ts';
import { checkPlausible, type InvalidLine, type ReplayInput } from '../../detect/replay/parse-input-line.ts';

type Kind = ReplayInput['type'];

/** Union branches in file order of the schema; the index is the Avro union index. */
const BRANCHES: ReadonlyArray<{ kind: Kind; name: string; schema: object }> = [
  { kind: 'telemetry', name: 'backtrack.v1.TelemetryEvent', schema: avroSchemas.TelemetryEvent },
  { kind: 'eval', name: 'backtrack.v1.EvalEvent', schema: avroSchemas.EvalEvent },
  { kind: 'rollout', name: 'backtrack.v1.RolloutCommand', schema: avroSchemas.RolloutCommand },
];

/**
 * The union schema. Named types defined by more than one record schema (the `Arm` enum) are defined at
 * their first use and referenced by full name afterwards, as Avro requires; a second definition that
 * differs from the first is a programming error in schemas/.
 */
export function replayInputSchema(): unknown[] {
  const defined = new Map<string, string>();
  const dedupe = (node: unknown, namespace: string): unknown => {
    if (Array.isArray(node)) return node.map((n) => dedupe(n, namespace));
    if (node === null || typeof node !== 'object') return node;
    const s = node as Record<string, unknown>;
    if (s.type === 'record' || s.type === 'enum' || s.type === 'fixed') {
      const name = String(s.name);
      const ns = name.includes('.')
        ? name.slice(0, name.lastIndexOf('.'))
        : ((s.namespace as string) ?? namespace);
      const full = name.includes('.') ? name : `${ns}.${name}`;
      const text = JSON.stringify(s);
      const seen = defined.get(full);
      if (seen !== undefined) {
        if (seen !== text) throw new Error(`schemas: ${full} is defined twice, differently`);
        return full;
      }
      defined.set(full, text);
      if (s.type !== 'record') return s;
      const fields = (s.fields as Array<Record<string, unknown>>).map((f) => ({
        ...f,
        type: dedupe(f.type, ns),
      }));
      return { ...s, fields };
    }
    return s.type !== undefined && typeof s.type === 'object' ? { ...s, type: dedupe(s.type, namespace) } : s;
  };
  return BRANCHES.map((b) => dedupe(b.schema, ''));
}

let unionType: avro.types.WrappedUnionType | undefined;

/** The parsed union type (top-level union wrapped, nested `["null", x]` unions unwrapped). */
export function replayInputType(): avro.types.WrappedUnionType {
  unionType ??= avro.Type.forSchema(replayInputSchema() as avro.Schema, {
    wrapUnions: 'auto',
  }) as avro.types.WrappedUnionType;
  return unionType;
}

/** The wrapped union value of one input, for an Avro encoder. */
export function toAvroValue(input: ReplayInput): Record<string, unknown> {
  switch (input.type) {
    case 'telemetry':
      return { [BRANCHES[0]!.name]: input.event };
    case 'eval':
      return { [BRANCHES[1]!.name]: input.event };
    case 'rollout':
      return { [BRANCHES[2]!.name]: input.command };
  }
}

/**
 * The input of a decoded record of union branch `branch` (an index into `replayInputType().types`),
 * after the plausibility checks the JSON path applies too.
 */
export function fromAvroValue(value: unknown, branch: number): ReplayInput | InvalidLine {
  switch (BRANCHES[branch]?.kind) {
    case 'telemetry':
      return checkPlausible({ type: 'telemetry', event: value as never });
    case 'eval':
      return checkPlausible({ type: 'eval', event: value as never });
    case 'rollout':
      return checkPlausible({ type: 'rollout', command: value as never });
    default:
      return { type: 'invalid', reason: `unknown union branch ${branch}` };
  }
}

/**
 * Calls `onInput` for every record of an Avro replay input file, in file order, with its 1-based record
 * number; implausible records arrive as invalid. Resolves with the number of records.
 */
export function forEachAvroInput(
  source: LineSource,
  onInput: (input: ReplayInput | InvalidLine, recordNo: number) => void,
): Promise<number> {
  return forEachAvroRecord(source, replayInputType().types, (value, branch, recordNo) =>
    onInput(fromAvroValue(value, branch), recordNo),
  );
}
