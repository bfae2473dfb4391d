export { parsePolicy, PolicyError } from './parse.ts';
export { defaultPolicy, defaultPolicyText } from './default.ts';
export { policySchema, tierSchema, type Policy, type TierPolicy } from './schema.ts';
