/**
 * What defines a bundle, and its content-addressed id. Two registrations with the same content get the
 * same `bundleId`; `registeredAt` and `registeredBy` are metadata outside the hash.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Bundle } from '../../schemas/types.ts';
import { canonicalJson } from './canonical-json.ts';

const text = z.string().trim().min(1, 'must be a non-empty string');

/** The registration input as an operator gives it (CLI, console). `config` may be an object or its JSON text. */
export const bundleInputSchema = z.object({
  modelId: text,
  modelVersionHash: text,
  promptTemplateVersion: text,
  promptTemplateHash: text,
  config: z.union([z.record(z.string(), z.json()), z.string()]),
  toolSchemaVersion: text,
  stateVersion: text,
  supportedTiers: z.array(text).min(1, 'must name at least one tier'),
  parentBundleId: text.nullable().optional(),
});

export type BundleInput = z.input<typeof bundleInputSchema>;

/** The hashed part of a bundle: `config` as canonical JSON, `supportedTiers` sorted and deduplicated. */
export type BundleContent = Omit<Bundle, 'bundleId' | 'registeredAt' | 'registeredBy'>;

/** One problem of an input, naming the field (dotted path) it is about. */
export interface InputIssue {
  field: string;
  message: string;
}

export type ContentCheck =
  { ok: true; content: BundleContent } | { ok: false; issues: InputIssue[]; message: string };

/** Validates an input and returns its canonical content, or every issue found. */
export function parseBundleContent(raw: unknown): ContentCheck {
  const parsed = bundleInputSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({
      field: i.path.length > 0 ? i.path.join('.') : '(input)',
      message: i.message,
    }));
    return { ok: false, issues, message: describeIssues(issues) };
  }
  const input = parsed.data;
  const config = canonicalConfig(input.config);
  if (!config.ok) return { ok: false, issues: [config.issue], message: describeIssues([config.issue]) };
  return {
    ok: true,
    content: {
      modelId: input.modelId,
      modelVersionHash: input.modelVersionHash,
      promptTemplateVersion: input.promptTemplateVersion,
      promptTemplateHash: input.promptTemplateHash,
      config: config.json,
      toolSchemaVersion: input.toolSchemaVersion,
      stateVersion: input.stateVersion,
      supportedTiers: [...new Set(input.supportedTiers)].sort(),
      parentBundleId: input.parentBundleId ?? null,
    },
  };
}

/**
 * The canonical content of a registration input. Throws a `TypeError` naming the field when the input
 * is invalid; use {@link parseBundleContent} to get the issues as data.
 */
export function canonicalBundleContent(input: BundleInput): BundleContent {
  const checked = parseBundleContent(input);
  if (!checked.ok) throw new TypeError(`invalid bundle: ${checked.message}`);
  return checked.content;
}

/** The content of a stored bundle, for comparing it with a new registration. */
export function contentOf(bundle: Bundle): BundleContent {
  const { bundleId: _id, registeredAt: _at, registeredBy: _by, ...content } = bundle;
  return content;
}

/** `'b-'` + the first 16 hex chars of sha256(canonical JSON of the content). */
export function bundleIdOf(content: BundleContent): string {
  return `b-${createHash('sha256').update(canonicalJson(content)).digest('hex').slice(0, 16)}`;
}

/** Whether a stored bundle's id is the hash of its content (a mismatch means tampering or a bug). */
export function hasValidBundleId(bundle: Bundle): boolean {
  return bundleIdOf(contentOf(bundle)) === bundle.bundleId;
}

function canonicalConfig(
  config: Record<string, unknown> | string,
): { ok: true; json: string } | { ok: false; issue: InputIssue } {
  let value: unknown = config;
  if (typeof config === 'string') {
    try {
      value = JSON.parse(config);
    } catch {
      return { ok: false, issue: { field: 'config', message: 'is not valid JSON' } };
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, issue: { field: 'config', message: 'must be a JSON object' } };
  }
  return { ok: true, json: canonicalJson(value) };
}

function describeIssues(issues: InputIssue[]): string {
  return issues.map((i) => `${i.field}: ${i.message}`).join('; ');
}
