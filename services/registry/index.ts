export { canonicalJson, NotJsonError } from './canonical-json.ts';
export {
  bundleIdOf,
  bundleInputSchema,
  canonicalBundleContent,
  contentOf,
  hasValidBundleId,
  parseBundleContent,
  type BundleContent,
  type BundleInput,
  type ContentCheck,
  type InputIssue,
} from './bundle-content.ts';
export { registerBundle, type RefusalReason, type RegisterVerdict } from './register-bundle.ts';
export {
  checkToolContract,
  isTierSupported,
  toolSchemaMajor,
  type ToolContractCheck,
} from './compatibility.ts';
