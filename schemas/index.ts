/**
 * The Avro schemas of every record on the wire, by record name. The codec registers them under
 * `<topic>-value` subjects; the types in ./types.ts are generated from the same files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemasDir } from './generate-types.ts';

export type * from './types.ts';

const load = (file: string): object => JSON.parse(readFileSync(join(schemasDir, file), 'utf8')) as object;

export const avroSchemas = {
  TelemetryEvent: load('telemetry-event.avsc'),
  EvalEvent: load('eval-event.avsc'),
  Bundle: load('bundle.avsc'),
  RolloutCommand: load('rollout-command.avsc'),
  RoutingCommand: load('routing-command.avsc'),
  RollbackDecision: load('rollback-decision.avsc'),
  Approval: load('approval.avsc'),
  AuditEvent: load('audit-event.avsc'),
  SignalSnapshot: load('signal-snapshot.avsc'),
  AlertScore: load('alert-score.avsc'),
} as const;

export type SchemaName = keyof typeof avroSchemas;
