// The tables of docs/ that restate a table of the code, written by `npm run generate` from that table: the manager's
// flags (docs/operating.md, from MANAGER_FLAGS) and a group's children (docs/resources.md, from CHILD_KINDS).
// `--check` and a unit test fail when the committed page differs.
import { CHILD_KINDS } from '../builders/index.js';
import { MANAGER_FLAGS } from '../runtime/flags.js';
import { markdownTable, withGeneratedSection } from './markdown.js';

export const OPERATING_FILE = 'docs/operating.md';
export const RESOURCES_FILE = 'docs/resources.md';

export function managerFlagsTable(): string {
  return markdownTable(
    ['flag', 'default', 'meaning'],
    MANAGER_FLAGS.map((flag) => [
      `\`--${flag.name}\``,
      flag.docs.default ?? `\`${flag.default === '' ? '""' : flag.default}\``,
      flag.docs.meaning,
    ]),
  );
}

/** The group every name is shown for. */
const PLACEHOLDER = { metadata: { name: '<name>', namespace: '<ns>' } };

export function childKindsTable(): string {
  return markdownTable(
    ['child', 'name', 'when', 'built from'],
    CHILD_KINDS.map((kind) => [
      `${kind.kind} \`${kind.resource.apiPath.replace(/^\/apis?\//, '')}\``,
      `\`${kind.name(PLACEHOLDER)}\``,
      kind.onlyWith === undefined ? 'always' : `only with \`${kind.onlyWith}\``,
      kind.source.replace(/\bspec(\.[A-Za-z]+)+/g, '`$&`'),
    ]),
  );
}

/** The pages with generated tables, as they should be; `read` gives a page's committed text. */
export function docsFiles(read: (path: string) => string): Map<string, string> {
  const operating = withGeneratedSection(
    read(OPERATING_FILE),
    'manager-flags',
    'MANAGER_FLAGS in src/runtime/flags.ts',
    managerFlagsTable(),
  );
  const resources = withGeneratedSection(
    read(RESOURCES_FILE),
    'child-kinds',
    'CHILD_KINDS in src/builders/child-kinds.ts',
    childKindsTable(),
  );
  return new Map([
    [OPERATING_FILE, operating],
    [RESOURCES_FILE, resources],
  ]);
}
