/** The TypeScript type of each Avro record, and of each registered topic's value. */
import type {
  AlertScore,
  Approval,
  AuditEvent,
  Bundle,
  EvalEvent,
  RollbackDecision,
  RolloutCommand,
  RoutingCommand,
  SchemaName,
  SignalSnapshot,
  TelemetryEvent,
} from '../../schemas/index.ts';
import type { TopicKey, topics } from '../../topology/topics.ts';

export interface WireTypes {
  TelemetryEvent: TelemetryEvent;
  EvalEvent: EvalEvent;
  Bundle: Bundle;
  RolloutCommand: RolloutCommand;
  RoutingCommand: RoutingCommand;
  RollbackDecision: RollbackDecision;
  Approval: Approval;
  AuditEvent: AuditEvent;
  SignalSnapshot: SignalSnapshot;
  AlertScore: AlertScore;
}

/** Compile-time check that every schema has a type above. */
export type MissingWireTypes = Exclude<SchemaName, keyof WireTypes>;
const _complete: MissingWireTypes extends never ? true : false = true;
void _complete;

/** The value type of a registry topic. */
export type ValueOf<K extends TopicKey> = WireTypes[(typeof topics)[K]['value']];
