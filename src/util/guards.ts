// Type guards for values parsed from JSON or YAML, shared by every layer (the API schema tools, the FE client, the
// Kubernetes glue, the CLI), so an unknown value is narrowed the same way everywhere.

/** A JSON object (not an array, not null): the first check before reading fields of an unknown value. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
