/**
 * Operator commands (deploy.rollouts.v1). Each command id is applied once; a refused command is
 * audited as `refused` with a notification and changes nothing.
 */
import type { RolloutCommand } from '../../../schemas/types.ts';
import { emptyOutput, type ReversionContext, type ReversionOutput } from './context.ts';
import { closePending } from './close-pending.ts';
import { audit, refuse } from './record.ts';
import { advanceRollout, startRollout, subjectOf, type Problem } from './rollout-onboard.ts';
import { issueRouting, revertTenants } from './routing.ts';
import { activeTenants, isLive, type ReversionState, type RolloutState } from './state.ts';

/** Applies one operator command. Mutates `state`; returns what to publish. */
export function applyRolloutCommand(
  state: ReversionState,
  cmd: RolloutCommand,
  ctx: ReversionContext,
): ReversionOutput {
  const out = emptyOutput();
  const rollout = state.rollouts.get(cmd.rolloutId);
  if (rollout?.commandIds.includes(cmd.commandId)) {
    audit(state, ctx, out, 'rollout_command', subjectOf(cmd), {
      action: cmd.action,
      outcome: 'duplicate_ignored',
    });
    return out;
  }
  let problem: Problem;
  if (cmd.action === 'start') problem = startRollout(state, ctx, out, cmd);
  else if (rollout === undefined) problem = `unknown rollout ${cmd.rolloutId}`;
  else problem = HANDLERS[cmd.action](state, ctx, out, rollout, cmd);
  if (problem !== null) {
    rollout?.commandIds.push(cmd.commandId);
    refuse(state, ctx, out, subjectOf(cmd), problem, { action: cmd.action });
  }
  return out;
}

type Handler = (
  state: ReversionState,
  ctx: ReversionContext,
  out: ReversionOutput,
  rollout: RolloutState,
  cmd: RolloutCommand,
) => Problem;

const HANDLERS: Record<Exclude<RolloutCommand['action'], 'start'>, Handler> = {
  advance: advanceRollout,
  promote,
  abort,
  pause: (state, ctx, out, rollout, cmd) => {
    if (!isLive(rollout)) return `rollout is ${rollout.status}`;
    const outcome = rollout.status === 'paused' ? 'noop' : 'applied';
    rollout.status = 'paused';
    applied(state, ctx, out, rollout, cmd, { outcome });
    return null;
  },
  resume: (state, ctx, out, rollout, cmd) => {
    if (!isLive(rollout)) return `rollout is ${rollout.status}`;
    const outcome = rollout.status === 'running' && !rollout.onboardingPaused ? 'noop' : 'applied';
    rollout.status = 'running';
    rollout.onboardingPaused = false;
    applied(state, ctx, out, rollout, cmd, { outcome });
    return null;
  },
};

/** Every tenant still on the candidate makes it its stable bundle; tenants routed back stay back. */
function promote(
  state: ReversionState,
  ctx: ReversionContext,
  out: ReversionOutput,
  rollout: RolloutState,
  cmd: RolloutCommand,
): Problem {
  if (!isLive(rollout)) return `rollout is ${rollout.status}`;
  if (!ctx.bundles.has(rollout.candidateBundleId))
    return `candidate bundle ${rollout.candidateBundleId} is not registered`;
  rollout.status = 'promoted';
  applied(state, ctx, out, rollout, cmd, { outcome: 'applied', leftOnBaseline: rollout.routedBack });
  for (const t of activeTenants(rollout)) {
    const target = {
      stableBundleId: rollout.candidateBundleId,
      candidateBundleId: null,
      candidateArm: null,
      candidatePercent: 0,
      rolloutId: rollout.rolloutId,
    };
    const reason = `rollout ${rollout.rolloutId} promoted${cmd.reason ? ` (${cmd.reason})` : ''}`;
    issueRouting(state, ctx, out, t, target, {
      sessionPolicy: 'drain',
      reason,
      decisionId: null,
      actor: cmd.actor,
    });
  }
  closePending(state, ctx, out, rollout, {
    actor: cmd.actor,
    subjectId: cmd.commandId,
    reason: `rollout ${rollout.rolloutId} promoted by ${cmd.actor}${cmd.reason ? ` (${cmd.reason})` : ''}`,
  });
  return null;
}

/** Manual rollback: every tenant still on the candidate goes back to the baseline in this one step. */
function abort(
  state: ReversionState,
  ctx: ReversionContext,
  out: ReversionOutput,
  rollout: RolloutState,
  cmd: RolloutCommand,
): Problem {
  if (!isLive(rollout) && rollout.status !== 'halted') return `rollout is ${rollout.status}`;
  rollout.status = 'aborted';
  const tenants = activeTenants(rollout);
  applied(state, ctx, out, rollout, cmd, { outcome: 'applied' });
  const reason = `rollout ${rollout.rolloutId} aborted by ${cmd.actor}${cmd.reason ? ` (${cmd.reason})` : ''}`;
  const result = revertTenants(state, ctx, out, rollout, tenants, {
    reason,
    decisionId: null,
    actor: cmd.actor,
    subjectId: cmd.commandId,
  });
  out.notifications.push({
    kind: 'rollout_aborted',
    rolloutId: rollout.rolloutId,
    severity: 'warning',
    summary: `Rollout ${rollout.rolloutId} aborted by ${cmd.actor}: ${result.routed.length} tenant(s) back on ${rollout.baselineBundleId}${result.refused.length > 0 ? `, ${result.refused.length} refused` : ''}`,
  });
  closePending(state, ctx, out, rollout, {
    actor: cmd.actor,
    subjectId: cmd.commandId,
    reason: `rollout ${rollout.rolloutId} aborted by ${cmd.actor}${cmd.reason ? ` (${cmd.reason})` : ''}`,
  });
  return null;
}

function applied(
  state: ReversionState,
  ctx: ReversionContext,
  out: ReversionOutput,
  rollout: RolloutState,
  cmd: RolloutCommand,
  details: Record<string, unknown>,
): void {
  rollout.commandIds.push(cmd.commandId);
  audit(state, ctx, out, 'rollout_command', subjectOf(cmd), {
    action: cmd.action,
    reason: cmd.reason,
    status: rollout.status,
    ...details,
  });
}
