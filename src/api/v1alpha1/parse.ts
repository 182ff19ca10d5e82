import type { z } from 'zod';
import { computeNodeGroupSchema, type ComputeNodeGroup } from './schema.js';

/** One validation failure: `path` names the field the way a user writes it, e.g. `spec.feInfo.addresses[0]`. */
export interface FieldError {
  path: string;
  message: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Validates a ComputeNodeGroup (from YAML or the API server) and applies the defaults. */
export function parseComputeNodeGroup(input: unknown): ParseResult<ComputeNodeGroup> {
  const result = computeNodeGroupSchema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, errors: result.error.issues.flatMap((issue) => toFieldErrors(issue, input)) };
}

export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) {
      text += text === '' ? segment : `.${segment}`;
    } else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text === '' ? '(root)' : text;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let node = input;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  return node;
}

function toFieldErrors(issue: z.core.$ZodIssue, input: unknown): FieldError[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: formatPath([...issue.path, key]),
      message: 'unknown field: check its spelling and indentation',
    }));
  }
  if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) {
    return [{ path: formatPath(issue.path), message: `is required (${issue.expected})` }];
  }
  return [{ path: formatPath(issue.path), message: issue.message }];
}

/** One line per error, `path: message`, for command-line output and status conditions. */
export function formatFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((error) => `${error.path}: ${error.message}`).join('\n');
}
