/**
 * One input through the core: which tenants to absorb from the routing view first, which bundles to
 * wait for, which core function to call, and what its output means for the metrics.
 */
import type { Bundle, RollbackDecision } from '../../schemas/types.ts';
import type { RecordOf } from '../core/processor.ts';
import {
  applyApproval,
  applyDecision,
  applyRolloutCommand,
  tick,
  type ReversionContext,
  type ReversionOutput,
  type ReversionState,
} from './core/index.ts';
import { effectsOf, pendingActions, type OutputEffects } from './output-effects.ts';
import { absorbTenants, type RoutingView } from './routing-view.ts';

export interface Routed {
  readonly output: ReversionOutput;
  /** Tenants whose routing was adopted from the view (their state entries changed). */
  readonly adopted: readonly string[];
  readonly effects: OutputEffects;
}

export interface RouteDeps {
  readonly bundles: () => ReadonlyMap<string, Bundle>;
  readonly routing: RoutingView;
  readonly bundleWaitMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The rollout's tenants, plus `extra`. */
function tenantsOf(state: ReversionState, rolloutId: string, extra: readonly string[] = []): string[] {
  return [...(state.rollouts.get(rolloutId)?.tenants.map((t) => t.tenantId) ?? []), ...extra];
}

/**
 * A bundle registered just before the command that names it may not be in this instance's table yet:
 * wait for it (bounded) rather than refuse a valid rollout. An unknown id is refused by the core after.
 */
async function awaitBundles(
  deps: RouteDeps,
  ids: ReadonlyArray<string | null | undefined>,
): Promise<ReadonlyMap<string, Bundle>> {
  const wanted = ids.filter((id): id is string => typeof id === 'string' && id !== '');
  const deadline = Date.now() + (deps.bundleWaitMs ?? 3_000);
  let table = deps.bundles();
  while (wanted.some((id) => !table.has(id)) && Date.now() < deadline) {
    await sleep(50);
    table = deps.bundles();
  }
  return table;
}

/**
 * The core keeps parts of its inputs in its state and audit details, both canonical JSON: it needs plain
 * objects, and avsc decodes into record-class instances. `structuredClone` drops their prototypes.
 */
export async function routeInput(
  state: ReversionState,
  input: RecordOf<'rollouts' | 'decisions' | 'approvals'>,
  ctx: ReversionContext,
  deps: RouteDeps,
): Promise<Routed> {
  const record = { ...input, value: structuredClone(input.value) } as typeof input;
  if (record.topic === 'rollouts') {
    const cmd = record.value;
    const rollout = state.rollouts.get(cmd.rolloutId);
    const bundles = await awaitBundles(deps, [
      cmd.candidateBundleId ?? rollout?.candidateBundleId,
      cmd.baselineBundleId ?? rollout?.baselineBundleId,
    ]);
    const adopted = absorbTenants(
      state,
      deps.routing,
      tenantsOf(
        state,
        cmd.rolloutId,
        cmd.tenants.map((t) => t.tenantId),
      ),
    );
    const output = applyRolloutCommand(state, cmd, { ...ctx, bundles });
    return { output, adopted, effects: effectsOf(output, 'command', new Map(), cmd.action) };
  }
  if (record.topic === 'decisions') {
    const d: RollbackDecision = record.value;
    const adopted = absorbTenants(state, deps.routing, tenantsOf(state, d.rolloutId, d.tenantIds));
    const actions = pendingActions(state, [d.rolloutId]).set(d.decisionId, d.action);
    const output = applyDecision(state, d, ctx);
    return { output, adopted, effects: effectsOf(output, 'decision', actions) };
  }
  const a = record.value;
  const adopted = absorbTenants(state, deps.routing, tenantsOf(state, a.rolloutId, a.tenantIds));
  const actions = pendingActions(state, [a.rolloutId]);
  const output = applyApproval(state, a, ctx);
  return { output, adopted, effects: effectsOf(output, 'approval', actions) };
}

/** Approval deadlines due at `ctx.nowMs`; undefined when none is due (nothing to publish). */
export function routeTick(
  state: ReversionState,
  ctx: ReversionContext,
  routing: RoutingView,
): Routed | undefined {
  const due = [...state.rollouts.values()].filter((r) => r.pending.some((p) => p.deadline <= ctx.nowMs));
  if (due.length === 0) return undefined;
  const ids = due.map((r) => r.rolloutId);
  const adopted = absorbTenants(
    state,
    routing,
    ids.flatMap((id) => tenantsOf(state, id)),
  );
  const actions = pendingActions(state, ids);
  const output = tick(state, ctx);
  return { output, adopted, effects: effectsOf(output, 'timeout', actions) };
}
