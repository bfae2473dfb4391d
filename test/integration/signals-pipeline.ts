/**
 * The detection pipeline of the integration tests on the real broker: unique topics (inputs, outputs,
 * DLQs, changelogs), the signals service and the trigger runner in process, a producer for scenario
 * records and a reader that collects what the services wrote.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AlertScore, RollbackDecision, RolloutCommand, SignalSnapshot } from '../../schemas/types.ts';
import { deadLetterTopic, type TopicKey } from '../../topology/topics.ts';
import * as k from '../../services/core/kafka.ts';
import type { StreamRunner } from '../../services/core/runner.ts';
import type { Policy } from '../../services/detect/policy/index.ts';
import type { ReplayInput } from '../../services/detect/replay/parse-input-line.ts';
import { SignalsService } from '../../services/signals/signals-service.ts';
import { triggerRunner } from '../../services/trigger/trigger-service.ts';
import type { TriggerInput } from '../../services/trigger/trigger-processor.ts';
import { cleanup, createTopics, testRuntime, uniqueName, waitFor, type TestRuntime } from './helpers.ts';

const KEYS = ['telemetry', 'evals', 'rollouts', 'signals', 'scores', 'decisions'] as const;

/** A record as the pipeline's reader got it. */
export interface Read<V> {
  readonly partition: number;
  readonly offset: bigint;
  readonly value: V;
}

export class Pipeline {
  readonly names: Record<(typeof KEYS)[number], string>;
  readonly changelogs: { signals: string; trigger: string };
  readonly groups: { signals: string; trigger: string };
  readonly signalsRt: TestRuntime;
  readonly triggerRt: TestRuntime;
  readonly snapshots: Read<SignalSnapshot>[] = [];
  readonly scores: Read<AlertScore>[] = [];
  readonly decisions: Read<RollbackDecision>[] = [];
  readonly #producer: k.Producer;
  readonly #admin: k.Admin;
  readonly #reader: k.Consumer;
  readonly #readerGroup = `test-pipeline-reader-${randomUUID()}`;
  #signals: SignalsService | undefined;
  #trigger: StreamRunner<TriggerInput> | undefined;

  constructor(
    readonly label: string,
    readonly policy: Policy,
  ) {
    this.names = Object.fromEntries(
      KEYS.map((key) => [key, uniqueName(`${label}-${key}`)]),
    ) as Pipeline['names'];
    const suffix = this.names.telemetry.replace(/\./g, '-');
    this.changelogs = { signals: `${suffix}-signals-changelog`, trigger: `${suffix}-trigger-changelog` };
    this.groups = { signals: `test-signals-${suffix}`, trigger: `test-trigger-${suffix}` };
    const rename = this.names as Partial<Record<TopicKey, string>>;
    this.signalsRt = testRuntime('signals', rename);
    this.triggerRt = testRuntime('trigger', rename);
    this.#producer = k.createIdempotentProducer(this.signalsRt.kafka);
    this.#admin = k.createAdmin(this.signalsRt.kafka);
    this.#reader = k.createConsumer(this.signalsRt.kafka, {
      groupId: this.#readerGroup,
      maxWaitTimeInMs: 100,
    });
  }

  /** Creates the topics, registers the input schemas, connects the producer and starts the reader. */
  async setUp(): Promise<void> {
    const n = this.names;
    await createTopics(this.signalsRt.kafka, [
      { topic: n.telemetry, partitions: 12 },
      { topic: n.evals, partitions: 12 },
      { topic: n.rollouts, partitions: 6 },
      { topic: n.signals, partitions: 6 },
      { topic: n.scores, partitions: 6 },
      { topic: n.decisions, partitions: 6 },
      ...[n.telemetry, n.evals, n.rollouts, n.signals].map((t) => ({ topic: deadLetterTopic(t) })),
      { topic: this.changelogs.signals, partitions: 12, compact: true },
      { topic: this.changelogs.trigger, partitions: 6, compact: true },
    ]);
    await this.signalsRt.codec.registerSchemas(['telemetry', 'evals', 'rollouts']);
    await this.#producer.connect();
    await this.#admin.connect();
    const codec = this.triggerRt.codec;
    await this.#reader.connect();
    await this.#reader.subscribe({ topics: [n.signals, n.scores, n.decisions], fromBeginning: true });
    await this.#reader.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const at = { partition: batch.partition, offset: BigInt(m.offset) };
          if (batch.topic === n.signals)
            this.snapshots.push({ ...at, value: await codec.decode('signals', m.value) });
          else if (batch.topic === n.scores)
            this.scores.push({ ...at, value: await codec.decode('scores', m.value) });
          else this.decisions.push({ ...at, value: await codec.decode('decisions', m.value) });
        }
      },
    });
  }

  async startSignals(): Promise<SignalsService> {
    const service = new SignalsService(this.signalsRt, {
      policy: this.policy,
      groupId: this.groups.signals,
      changelogTopic: () => this.changelogs.signals,
    });
    await service.start();
    this.#signals = service;
    return service;
  }

  async stopSignals(): Promise<void> {
    await this.#signals?.stop();
    this.#signals = undefined;
  }

  /** The signals RocksDB directories, all partitions. */
  deleteSignalsState(): void {
    rmSync(join(this.signalsRt.stateDir, 'signals'), { recursive: true, force: true });
  }

  async startTrigger(): Promise<void> {
    this.#trigger = triggerRunner(this.triggerRt, {
      policy: this.policy,
      groupId: this.groups.trigger,
      changelogTopic: () => this.changelogs.trigger,
    });
    await this.#trigger.start();
  }

  async command(c: RolloutCommand): Promise<void> {
    await this.#producer.send({
      topic: this.names.rollouts,
      messages: [
        {
          key: c.rolloutId,
          value: this.signalsRt.codec.encode('rollouts', c),
          timestamp: String(c.issuedAt),
        },
      ],
    });
  }

  /** Telemetry and evals keyed by tenant, Kafka timestamp = event time (as the gateways send them). */
  async produce(records: readonly ReplayInput[]): Promise<void> {
    const codec = this.signalsRt.codec;
    for (let i = 0; i < records.length; i += 2_000) {
      const telemetry: k.Message[] = [];
      const evals: k.Message[] = [];
      for (const r of records.slice(i, i + 2_000)) {
        if (r.type === 'telemetry')
          telemetry.push({
            key: r.event.tenantId,
            value: codec.encode('telemetry', r.event),
            timestamp: String(r.event.timestamp),
          });
        else if (r.type === 'eval')
          evals.push({
            key: r.event.tenantId,
            value: codec.encode('evals', r.event),
            timestamp: String(r.event.timestamp),
          });
      }
      await this.#producer.sendBatch({
        topicMessages: [
          { topic: this.names.telemetry, messages: telemetry },
          { topic: this.names.evals, messages: evals },
        ],
      });
    }
  }

  /** Waits until `group` committed offsets at the end of every partition of `topic`. */
  async waitCaughtUp(
    group: 'signals' | 'trigger',
    topicKey: 'telemetry' | 'evals' | 'signals',
    timeoutMs = 30_000,
  ): Promise<void> {
    const topic = this.names[topicKey];
    await waitFor(
      async () => {
        const ends = await k.topicOffsets(this.#admin, topic);
        const [committed] = await this.#admin.fetchOffsets({ groupId: this.groups[group], topics: [topic] });
        return ends.every((e) => {
          const c = committed?.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1';
          return e.high === '0' || BigInt(c) >= BigInt(e.high);
        });
      },
      `${group} caught up with ${topic}`,
      timeoutMs,
    );
  }

  /** Log end offset per partition of the signals topic. */
  async signalsEnds(): Promise<Map<number, bigint>> {
    const ends = await k.topicOffsets(this.#admin, this.names.signals);
    return new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
  }

  async readDeadLetters(topicKey: 'telemetry'): Promise<number> {
    const ends = await k.topicOffsets(this.#admin, deadLetterTopic(this.names[topicKey]));
    return ends.reduce((sum, e) => sum + Number(e.high), 0);
  }

  async tearDown(): Promise<void> {
    await this.stopSignals().catch(() => undefined);
    await this.#trigger?.stop().catch(() => undefined);
    await this.#reader.disconnect().catch(() => undefined);
    await this.#producer.disconnect().catch(() => undefined);
    await this.#admin.disconnect().catch(() => undefined);
    const n = this.names;
    await cleanup(
      this.signalsRt.kafka,
      [
        ...Object.values(n),
        ...[n.telemetry, n.evals, n.rollouts, n.signals].map(deadLetterTopic),
        this.changelogs.signals,
        this.changelogs.trigger,
      ],
      [this.groups.signals, this.groups.trigger, this.#readerGroup],
    );
  }
}

/** The tenants named in route_back decisions. */
export const routedBack = (decisions: readonly Read<RollbackDecision>[]): string[] =>
  [
    ...new Set(decisions.filter((d) => d.value.action === 'route_back').flatMap((d) => d.value.tenantIds)),
  ].sort();
