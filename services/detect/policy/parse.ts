import { LineCounter, isMap, isScalar, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { policySchema, type Policy } from './schema.ts';

/** An invalid policy file. Not retriable: the file has to be fixed. */
export class PolicyError extends Error {
  readonly retriable = false;
  override readonly name = 'PolicyError';
  constructor(
    /** `policy.yaml:12 tiers.enterprise.errors.maxRate: expected number` */
    message: string,
    /** dotted key path, '' for the whole document */
    readonly key: string,
    /** 1-based line in the source, 0 when unknown */
    readonly line: number,
    readonly source: string,
  ) {
    super(message);
  }
}

/**
 * Parses and validates a policy YAML document. Throws {@link PolicyError} naming the source, line and key
 * path of the first problem (YAML syntax, wrong type, unknown key, inconsistent thresholds).
 */
export function parsePolicy(text: string, sourceName: string): Policy {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const syntax = doc.errors[0];
  if (syntax) {
    const line = lineCounter.linePos(syntax.pos[0]).line;
    throw new PolicyError(`${sourceName}:${line} ${syntax.message}`, '', line, sourceName);
  }
  const result = policySchema.safeParse(doc.toJS(), { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const { path, message } = describe(issue);
  const key = path.join('.');
  const line = lineOf(doc, path, lineCounter);
  throw new PolicyError(`${sourceName}:${line} ${key || '(document)'}: ${message}`, key, line, sourceName);
}

function describe(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string } {
  switch (issue.code) {
    case 'unrecognized_keys':
      return { path: [...issue.path, issue.keys[0] ?? ''], message: 'unknown key' };
    case 'invalid_type':
      return {
        path: issue.path,
        message:
          issue.input === undefined ? `missing (expected ${issue.expected})` : `expected ${issue.expected}`,
      };
    case 'invalid_value':
      return { path: issue.path, message: `expected one of ${issue.values.map(String).join(' | ')}` };
    default:
      return { path: issue.path, message: issue.message };
  }
}

/** Line of the deepest node of `path` present in the document (the key itself for a map entry). */
function lineOf(doc: Document, path: PropertyKey[], lc: LineCounter): number {
  for (let depth = path.length; depth > 0; depth--) {
    const parent = depth === 1 ? doc.contents : doc.getIn(path.slice(0, depth - 1), true);
    if (!isMap(parent)) continue;
    const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(path[depth - 1]));
    const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
    if (range) return lc.linePos(range[0]).line;
  }
  const start = doc.contents?.range?.[0];
  return start === undefined ? 0 : lc.linePos(start).line;
}
