/**
 * The end-to-end pipeline of one test file, in process, on the real broker and registry: unique
 * topics (e2e-topics.ts), the bundle registry, signals, trigger and reversion services, a gateway
 * (TelemetryProducer + RoutingFollower) driven by the traffic simulator in accelerated event time,
 * and readers collecting decisions, scores, routing commands and audit events.
 *
 * Lifecycle: `start()` (topics, services, bundles, simulator on the stable bundle) → `startRollout()`
 * and the other commands → `until(...)` waits → `stop()` (idempotent; also after a failed or partial
 * start: every part started is stopped in reverse order, topics, groups, subjects and state deleted).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import type {
  Approval,
  Bundle,
  RollbackDecision,
  RolloutCommand,
  RoutingCommand,
} from '../../schemas/types.ts';
import * as k from '../../services/core/kafka.ts';
import type { ValueOf } from '../../services/core/wire-types.ts';
import { parsePolicy, type Policy } from '../../services/detect/policy/index.ts';
import type { RoutingFollower } from '../../services/gateway/routing-follower.ts';
import type { BundleProfile, RegressionPreset } from '../../services/gateway/simulator/profiles.ts';
import type { Simulator } from '../../services/gateway/simulator/simulator.ts';
import { BundleRegistry } from '../../services/registry/service.ts';
import type { ReversionOptions } from '../../services/reversion/core/index.ts';
import { TopicCollector } from '../../services/reversion/testing/topic-collector.ts';
import type { TopicKey } from '../../topology/topics.ts';
import { testRuntime, uniqueName, waitFor, type TestRuntime } from '../integration/helpers.ts';
import { Closers } from './closers.ts';
import {
  createE2eTopics,
  deleteE2eSubjects,
  deleteE2eTopics,
  e2eTopics,
  type E2eTopics,
} from './e2e-topics.ts';
import { registerBundles, startGateway, startServices } from './e2e-services.ts';
import { breachToCommandMs } from './latency.ts';

export const DEMO_POLICY = new URL('../../policies/demo.yaml', import.meta.url);

export function demoPolicy(): Policy {
  return parsePolicy(readFileSync(DEMO_POLICY, 'utf8'), 'policies/demo.yaml');
}

export interface E2eOptions {
  /** Part of every topic name: the behaviour under test, kebab-case. */
  readonly label: string;
  /** Default policies/demo.yaml (5 s sub-windows, 60 s windows). */
  readonly policy?: Policy;
  /** Event ms per wall ms (default 30). */
  readonly speed?: number;
  readonly tenants?: number;
  readonly rateScale?: number;
  readonly seed?: number;
  /** How the candidate behaves (relative to each tenant's baseline); absent: like the stable bundle. */
  readonly regression?: RegressionPreset | Partial<BundleProfile>;
  /** Trigger's wall-clock hold per window (default: the service's 3 000 ms). */
  readonly triggerHoldMs?: number;
  readonly reversion?: Partial<ReversionOptions>;
}

export class E2ePipeline {
  readonly tag = randomUUID().slice(0, 6);
  readonly rolloutId: string;
  readonly policy: Policy;
  readonly topics: E2eTopics;
  readonly rt: Record<'signals' | 'trigger' | 'reversion' | 'gateway' | 'ops', TestRuntime>;
  signals!: TopicCollector<'signals'>;
  decisions!: TopicCollector<'decisions'>;
  scores!: TopicCollector<'scores'>;
  routing!: TopicCollector<'routing'>;
  audit!: TopicCollector<'audit'>;
  sim!: Simulator;
  follower!: RoutingFollower;
  stable!: Bundle;
  candidate!: Bundle;
  /** Event time the rollout was started at (simulator clock), epoch ms. */
  rolloutStartedAt = Number.NaN;
  readonly #o: E2eOptions;
  readonly #closers = new Closers();
  /** Services whose runner failed for good, with the error. */
  readonly #failures: string[] = [];
  #ops!: k.Producer;

  constructor(options: E2eOptions) {
    this.#o = options;
    this.policy = options.policy ?? demoPolicy();
    this.topics = e2eTopics(options.label, uniqueName);
    this.rolloutId = `e2e-${options.label}-${this.tag}`;
    const rename = this.topics.rename as Partial<Record<TopicKey, string>>;
    const rt = (service: string): TestRuntime => testRuntime(service, rename);
    this.rt = {
      signals: rt('signals'),
      trigger: rt('trigger'),
      reversion: rt('reversion'),
      gateway: rt('gateway'),
      ops: rt('e2e-ops'),
    };
  }

  get groupPrefix(): string {
    return `test-e2e-${this.#o.label}-${this.tag}`;
  }

  /** Topics and services up, bundles registered, the simulator serving every tenant the stable bundle. */
  async start(): Promise<void> {
    const { kafka, codec, logger } = this.rt.ops;
    const closers = this.#closers;
    closers.add('state', async () => this.#removeState());
    closers.add('topics and groups', () => deleteE2eTopics(kafka, this.topics, (id) => this.#ownGroup(id)));
    closers.add('schema subjects', () => deleteE2eSubjects(codec, this.topics));
    await createE2eTopics(kafka, this.topics);
    await codec.registerSchemas(['rollouts', 'approvals', 'telemetry', 'evals']);
    const ops = k.createIdempotentProducer(kafka);
    await closers.up(
      'ops producer',
      () => ops.connect(),
      () => ops.disconnect(),
    );
    this.#ops = ops;
    [this.signals, this.decisions, this.scores, this.routing, this.audit] = await Promise.all([
      this.#collect('signals'),
      this.#collect('decisions'),
      this.#collect('scores'),
      this.#collect('routing'),
      this.#collect('audit'),
    ]);
    const registry = new BundleRegistry({ kafka, codec, logger });
    await closers.up(
      'registry',
      () => registry.start(),
      () => registry.stop(),
    );
    [this.stable, this.candidate] = await registerBundles(registry, this.tag);

    const o = this.#o;
    await startServices(this.rt, {
      closers,
      topics: this.topics,
      policy: this.policy,
      groupPrefix: this.groupPrefix,
      onFailure: (service, error) => this.#fail(service, error),
      ...(o.triggerHoldMs === undefined ? {} : { triggerHoldMs: o.triggerHoldMs }),
      ...(o.reversion === undefined ? {} : { reversion: o.reversion }),
    });
    ({ follower: this.follower, sim: this.sim } = await startGateway(this.rt.gateway, {
      closers,
      groupPrefix: this.groupPrefix,
      tag: this.tag,
      stable: this.stable,
      candidate: this.candidate,
      speed: o.speed ?? 30,
      tenants: o.tenants ?? 20,
      rateScale: o.rateScale ?? 1,
      seed: o.seed ?? 7,
      onFailure: (part, error) => this.#fail(part, error),
      ...(o.regression === undefined ? {} : { regression: o.regression }),
    }));
  }

  /** Waits until the simulator has produced `eventMs` of event time since it started. */
  async warmUp(eventMs: number, timeoutMs = 30_000): Promise<void> {
    const target = this.sim.clock.startEpochMs + eventMs;
    await this.until(
      () => this.sim.stats().untilMs >= target,
      `${eventMs / 1000} s of event time`,
      timeoutMs,
    );
  }

  /** Whether trigger has scored a window of this rollout ending at or after `eventMs`. */
  scoredPast(eventMs: number): boolean {
    return this.scores.values.some((s) => s.rolloutId === this.rolloutId && s.windowEnd >= eventMs);
  }

  /**
   * Waits until trigger has scored the windows up to `eventMs`, or until `over()` says no more will come
   * (snapshots exist only while tenants take candidate traffic).
   */
  async scoredUntil(eventMs: number, timeoutMs: number, over: () => boolean = () => false): Promise<void> {
    await this.until(
      () => this.scoredPast(eventMs) || over(),
      `scores up to event time +${this.eventMinutes(eventMs)} min`,
      timeoutMs,
    );
  }

  /** Puts every simulated tenant on a canary of the candidate; resolves once the gateway routes them all. */
  async startRollout(canaryPercent = 25): Promise<void> {
    this.rolloutStartedAt = this.sim.clock.now();
    const tenants = this.sim.tenants.map((t) => ({ tenantId: t.tenantId, tenantTier: t.tier }));
    await this.command('start', {
      strategy: 'canary',
      candidateBundleId: this.candidate.bundleId,
      baselineBundleId: this.stable.bundleId,
      tenants,
      canaryPercent,
    });
    await this.until(
      () => this.sim.tenants.every((t) => this.routeOf(t.tenantId)?.candidate != null),
      'every tenant on the canary at the gateway',
      60_000,
    );
  }

  /** Publishes an operator command on the rollout (`start` needs the start fields in `extra`). */
  async command(
    action: RolloutCommand['action'],
    extra: Partial<RolloutCommand> = {},
  ): Promise<RolloutCommand> {
    const cmd: RolloutCommand = {
      commandId: `${this.rolloutId}-${action}-${randomUUID().slice(0, 8)}`,
      rolloutId: this.rolloutId,
      action,
      strategy: null,
      candidateBundleId: null,
      baselineBundleId: null,
      tenants: [],
      canaryPercent: null,
      actor: 'e2e-operator',
      reason: `e2e ${action}`,
      issuedAt: Date.now(),
      ...extra,
    };
    await this.send('rollouts', cmd.rolloutId, cmd);
    return cmd;
  }

  /** Publishes an approval of `decisionId` (whole scope); `approvalId` defaults to a fresh one. */
  async approve(decisionId: string, approvalId = `appr-${randomUUID().slice(0, 8)}`): Promise<Approval> {
    const approval: Approval = {
      approvalId,
      decisionId,
      rolloutId: this.rolloutId,
      verdict: 'approve',
      tenantIds: [],
      tiers: [],
      actor: 'e2e-oncall',
      reason: 'confirmed on the dashboard',
      answeredAt: Date.now(),
    };
    await this.send('approvals', approval.rolloutId, approval);
    return approval;
  }

  async send<K extends 'rollouts' | 'approvals'>(topic: K, key: string, value: ValueOf<K>): Promise<void> {
    await this.#ops.send({
      topic: this.topics.rename[topic],
      acks: -1,
      messages: [{ key, value: this.rt.ops.codec.encode(topic, value) }],
    });
  }

  /**
   * Waits until the readers have what the gateway applied: every tenant's current routing command, and
   * the decision it names. (The gateway and the readers consume separately; either may be ahead.)
   */
  async readersCaughtUp(timeoutMs = 30_000): Promise<void> {
    await this.until(
      () => {
        const commands = new Set(this.commands.map((c) => c.commandId));
        const decisions = new Set(this.decided.map((d) => d.decisionId));
        return this.sim.tenants.every((t) => {
          const r = this.routeOf(t.tenantId);
          if (r === undefined) return true;
          return commands.has(r.commandId) && (r.decisionId === null || decisions.has(r.decisionId));
        });
      },
      'the readers caught up with the gateway',
      timeoutMs,
    );
  }

  /** Whether the gateway serves the tenant only its stable bundle now, by a command of this rollout. */
  isBack(tenantId: string): boolean {
    const r = this.routeOf(tenantId);
    return r !== undefined && r.rolloutId === this.rolloutId && r.candidate === null;
  }

  /** The gateway's current routing of a tenant. */
  routeOf(tenantId: string): RoutingCommand | undefined {
    return this.follower.routeFor(tenantId);
  }

  /** Decisions of this rollout, in the order read. */
  get decided(): RollbackDecision[] {
    return (this.decisions?.values ?? []).filter((d) => d.rolloutId === this.rolloutId);
  }

  get commands(): RoutingCommand[] {
    return this.routing.values;
  }

  tenantsOf(tiers: readonly string[]): string[] {
    return this.sim.tenants.filter((t) => tiers.includes(t.tier)).map((t) => t.tenantId);
  }

  /** Breach → routing command latency of a decision, wall ms (see latency.ts). */
  latencyOf(d: RollbackDecision): number | undefined {
    return breachToCommandMs(d, this.commands, this.sim.wallIndex, this.policy.windows.allowedLatenessMs);
  }

  /**
   * Polls `check`; on timeout the error carries the pipeline's state (decisions, scores, simulator).
   * Fails at once when a service has failed for good.
   */
  async until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
    const failed = (): boolean => {
      if (this.#failures.length > 0) throw new Error(`waiting for ${what}: ${this.#failures.join('\n')}`);
      return false;
    };
    try {
      await waitFor(() => failed() || check(), what, timeoutMs);
    } catch (error) {
      throw new Error([(error as Error).message, ...this.describe()].join('\n'), { cause: error });
    }
  }

  /** The pipeline's state, one line each, for failure messages and diagnostics. */
  describe(): string[] {
    const s = this.sim?.stats();
    const eventMin = s ? ((s.untilMs - this.sim.clock.startEpochMs) / 60_000).toFixed(1) : '?';
    const verdicts = new Map<string, number>();
    for (const sc of this.scores?.values ?? []) {
      const key = `${sc.tenantTier}:${sc.verdict}`;
      verdicts.set(key, (verdicts.get(key) ?? 0) + 1);
    }
    const decisions = this.decided.map(
      (d) =>
        `  ${d.action}/${d.mode} of ${d.tenantIds.length} tenants (${d.tiers.join(',')}) ` +
        `at +${this.eventMinutes(d.decidedAt)} min: ${d.reasons[0]?.slice(0, 160) ?? ''}`,
    );
    return [
      `simulator: ${eventMin} event-min, ${s?.sent ?? 0} events sent, production lag ${s?.lagMs ?? 0} event-ms`,
      `rollout started at +${this.sim ? this.eventMinutes(this.rolloutStartedAt) : '?'} min`,
      `scores: ${[...verdicts].map(([v, n]) => `${v}=${n}`).join(' ')}`,
      `decisions: ${decisions.length === 0 ? 'none' : ''}`,
      ...decisions,
      `routing commands: ${this.routing?.records.length ?? 0}`,
    ];
  }

  /** Prints `describe()` (for the `after` hook: shown whether the test passed or failed). */
  logState(): void {
    for (const line of this.describe()) console.log(`e2e-state ${line}`);
  }

  /**
   * Where the breach → command time of a decision goes, wall ms (record timestamps are event time, so
   * the test's readers' clock): breach → the first and the last snapshot of the decided window read
   * (signals partitions close it at their own pace), → decision read (trigger's completeness, hold and
   * commit), → routing command issued by reversion.
   */
  latencyParts(d: RollbackDecision): string {
    const breach = this.sim.wallIndex.producedBy(d.decidedAt + this.policy.windows.allowedLatenessMs);
    const decided = this.decisions.records.find((r) => r.value.decisionId === d.decisionId)?.receivedAt;
    const issued = this.commands.filter((c) => c.decisionId === d.decisionId).map((c) => c.issuedAt);
    const ofWindow = this.signals.records.filter(
      (r) => r.value.rolloutId === d.rolloutId && r.value.windowEnd === d.decidedAt,
    );
    const closes = ofWindow.map((r) => r.receivedAt);
    const markers = ofWindow.filter((r) => r.value.candidateTrafficEnded).length;
    if (breach === undefined || decided === undefined || issued.length === 0 || closes.length === 0)
      return 'incomplete';
    const [first, last] = [Math.min(...closes), Math.max(...closes)];
    return (
      `breach → window closed ${first - breach}…${last - breach} ms (${closes.length - markers} snapshots, ${markers} end markers), ` +
      `→ decision ${decided - last} ms, → command ${Math.min(...issued) - decided} ms`
    );
  }

  /** Event minutes since the simulator started. */
  eventMinutes(eventMs: number): string {
    return ((eventMs - this.sim.clock.startEpochMs) / 60_000).toFixed(2);
  }

  /** Stops everything started, in reverse order, then deletes topics, groups, subjects and state. */
  stop(): Promise<void> {
    return this.#closers.closeAll();
  }

  /** A reader of `key` from the beginning (read_committed), started. */
  async #collect<K extends TopicKey>(key: K): Promise<TopicCollector<K>> {
    const { kafka, codec } = this.rt.ops;
    const c = new TopicCollector(kafka, codec, key);
    await this.#closers.up(
      `${key} reader`,
      () => c.start(),
      () => c.stop(),
    );
    return c;
  }

  #fail(part: string, error: unknown): void {
    this.#failures.push(`${part} failed: ${(error as Error).stack ?? String(error)}`);
  }

  /** Groups of this run: services, changelog readers, the gateway, and our four readers. */
  #ownGroup(groupId: string): boolean {
    const readers = [this.decisions, this.scores, this.routing, this.audit].map((c) => c?.groupId);
    return groupId.includes(this.groupPrefix) || readers.includes(groupId);
  }

  #removeState(): void {
    for (const rt of Object.values(this.rt)) rmSync(rt.stateDir, { recursive: true, force: true });
  }
}
