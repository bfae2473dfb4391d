export { assessSnapshot, type Assessed } from './assess.ts';
export { finalizeWindow } from './escalation.ts';
export { initialRolloutState, observeRolloutCommand, type RolloutState, type TenantState } from './state.ts';
export { decodeRolloutState, encodeRolloutState, RolloutStateDecodeError } from './codec.ts';
export { decisionId } from './decision.ts';
export { cusumStep, CUSUM_ZERO, type CusumState, type CusumParams, type CusumAlarm } from './cusum.ts';
export { ewmaStep, EWMA_EMPTY, type EwmaState, type EwmaParams } from './ewma.ts';
export { quantileRatioTest, twoProportionZ, welchT } from './significance.ts';
export { METRICS, type MetricSpec } from './metrics.ts';
