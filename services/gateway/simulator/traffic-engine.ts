/**
 * The simulator's traffic model, without clock or Kafka: each tenant is a Poisson process of requests
 * in event time with its own PRNG stream; each request is routed by the tenant's current routing
 * (looked up when it is drawn) and drawn from the serving bundle's profile. Deterministic: the same
 * seed, fleet and routing give the same events, however `advance` is sliced.
 */
import type { Arm, RoutingCommand } from '../../../schemas/types.ts';
import { chooseRoute } from '../route-choice.ts';
import type { GatewayEvent } from '../telemetry-producer.ts';
import type { SimTenant } from './fleet.ts';
import { Prng } from './prng.ts';
import { neutralProfile, profileAt, type BundleProfile, type Regression } from './profiles.ts';
import { drawRequest, type RequestInput } from './request-model.ts';

/** The tenant's routing now; undefined: serve the default bundle on the stable arm. */
export type RouteLookup = (tenantId: string) => RoutingCommand | undefined;

export interface TrafficEngineOptions {
  readonly fleet: readonly SimTenant[];
  readonly seed: number;
  /** Event time of the start, epoch ms: the first arrivals come after it. */
  readonly startMs: number;
  /** Prefix of every eventId; different runs must use different ids (consumers drop duplicates). */
  readonly runId: string;
  readonly gatewayId: string;
  /** Served to tenants without routing. */
  readonly defaultBundleId: string;
  /** Behaviour of bundles by id; unlisted bundles are neutral. */
  readonly profiles?: Readonly<Record<string, Partial<BundleProfile>>>;
  readonly regressions?: readonly Regression[];
  /** Session ids per tenant, reused at random. Default 20. */
  readonly sessionsPerTenant?: number;
}

export interface EngineStats {
  /** Served requests (shadow mirrors not included). */
  readonly requests: number;
  readonly telemetry: number;
  readonly evals: number;
  readonly byArm: Readonly<Record<Arm, number>>;
  /** Event time drawn up to (exclusive), epoch ms. */
  readonly untilMs: number;
}

interface TenantState {
  readonly tenant: SimTenant;
  readonly rng: Prng;
  nextAt: number;
  seq: number;
  /** Served requests per bundle id. */
  readonly served: Map<string, number>;
}

export class TrafficEngine {
  readonly #o: TrafficEngineOptions;
  readonly #tenants: TenantState[];
  readonly #byId = new Map<string, TenantState>();
  readonly #regressions: Regression[];
  readonly #profiles = new Map<string, BundleProfile>();
  #untilMs: number;
  #stats = { requests: 0, telemetry: 0, evals: 0, byArm: { stable: 0, canary: 0, shadow: 0 } };

  constructor(options: TrafficEngineOptions) {
    this.#o = options;
    this.#untilMs = options.startMs;
    this.#regressions = [...(options.regressions ?? [])];
    this.#tenants = options.fleet.map((tenant) => {
      const rng = Prng.derive(options.seed, tenant.tenantId);
      const state = {
        tenant,
        rng,
        nextAt: options.startMs + rng.exponential(1000 / tenant.ratePerSec),
        seq: 0,
        served: new Map(),
      };
      this.#byId.set(tenant.tenantId, state);
      return state;
    });
  }

  /** Applies from now on (its `fromMs` permitting). */
  inject(regression: Regression): void {
    this.#regressions.push(regression);
  }

  /** Every event with a timestamp in [previous until, `untilMs`), in time order (ties: tenant order). */
  advance(untilMs: number, route: RouteLookup): GatewayEvent[] {
    const drawn: { at: number; index: number; events: GatewayEvent[] }[] = [];
    for (const state of this.#tenants) {
      while (state.nextAt < untilMs) {
        drawn.push({
          at: Math.floor(state.nextAt),
          index: state.tenant.index,
          events: this.#request(state, route),
        });
        state.nextAt += state.rng.exponential(1000 / state.tenant.ratePerSec);
      }
    }
    this.#untilMs = Math.max(this.#untilMs, untilMs);
    drawn.sort((a, b) => a.at - b.at || a.index - b.index);
    return drawn.flatMap((d) => d.events);
  }

  stats(): EngineStats {
    return { ...this.#stats, byArm: { ...this.#stats.byArm }, untilMs: this.#untilMs };
  }

  /** Served requests of one tenant per bundle id, since the start. */
  tenantTraffic(tenantId: string): Readonly<Record<string, number>> {
    return Object.fromEntries(this.#byId.get(tenantId)?.served ?? []);
  }

  #request(state: TenantState, route: RouteLookup): GatewayEvent[] {
    const { tenant, rng } = state;
    const routing = route(tenant.tenantId);
    const choice = routing === undefined ? undefined : chooseRoute(routing, rng.next());
    const request: Omit<RequestInput, 'profile' | 'bundleId' | 'arm'> = {
      tenant,
      timestamp: Math.floor(state.nextAt),
      gatewayId: this.#o.gatewayId,
      sessionId: `${tenant.tenantId}-s${rng.int(0, (this.#o.sessionsPerTenant ?? 20) - 1)}`,
      baselineBundleId: routing?.stable.bundleId ?? this.#o.defaultBundleId,
      eventId: `${this.#o.runId}-${tenant.index}-${state.seq++}`,
    };
    const servedId = choice?.bundle.bundleId ?? this.#o.defaultBundleId;
    const out: GatewayEvent[] = [];
    this.#emit(rng, out, {
      ...request,
      bundleId: servedId,
      arm: choice?.arm ?? 'stable',
      profile: this.#profile(servedId, tenant.tier, request.timestamp),
    });
    const mirror = choice?.mirror?.bundleId;
    if (mirror !== undefined) {
      const profile = this.#profile(mirror, tenant.tier, request.timestamp);
      this.#emit(rng, out, {
        ...request,
        eventId: `${request.eventId}-shadow`,
        bundleId: mirror,
        arm: 'shadow',
        profile,
      });
    }
    this.#stats.requests++;
    state.served.set(servedId, (state.served.get(servedId) ?? 0) + 1);
    return out;
  }

  #emit(rng: Prng, out: GatewayEvent[], input: RequestInput): void {
    const { telemetry, evaluation } = drawRequest(rng, input);
    out.push(telemetry);
    this.#stats.telemetry++;
    this.#stats.byArm[input.arm]++;
    if (evaluation !== undefined) {
      out.push(evaluation);
      this.#stats.evals++;
    }
  }

  /** The bundle's profile for a tier at an event time; cached per set of active regressions. */
  #profile(bundleId: string, tier: string, atMs: number): BundleProfile {
    let key = `${bundleId}|${tier}`;
    for (let i = 0; i < this.#regressions.length; i++) {
      if ((this.#regressions[i]?.fromMs ?? -Infinity) <= atMs) key += `|${i}`;
    }
    let profile = this.#profiles.get(key);
    if (profile === undefined) {
      const base = { ...neutralProfile, ...this.#o.profiles?.[bundleId] };
      profile = profileAt(base, this.#regressions, bundleId, tier, atMs);
      this.#profiles.set(key, profile);
    }
    return profile;
  }
}
