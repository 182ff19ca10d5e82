// Markdown that `npm run generate` writes into docs/: tables laid out as Prettier lays them out (so `format:check`
// and `generate --check` agree), between markers that say where the table comes from. Pure.

const CLOSE = '<!-- /generated -->';

function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

/** A table with every column padded to its widest cell, as Prettier writes it (ASCII widths). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [header, ...rows].map((row) => row.map(cell));
  const widths = header.map((_, column) => Math.max(3, ...lines.map((row) => (row[column] ?? '').length)));
  const render = (row: readonly string[]): string =>
    `| ${widths.map((width, column) => (row[column] ?? '').padEnd(width)).join(' | ')} |\n`;
  const [head = [], ...body] = lines;
  return render(head) + render(widths.map((width) => '-'.repeat(width))) + body.map(render).join('');
}

/**
 * `document` with the section `name` (from `<!-- generated:name ...-->` to `<!-- /generated -->`) holding `content`;
 * the opening marker says where it comes from. Throws when the document has no such section.
 */
export function withGeneratedSection(document: string, name: string, source: string, content: string): string {
  const open = `<!-- generated:${name} `;
  const start = document.indexOf(open);
  const end = start < 0 ? -1 : document.indexOf(CLOSE, start);
  if (end < 0) throw new Error(`no section ${open}... ${CLOSE} to write`);
  const marker = `${open}(written by npm run generate from ${source}: edit it there) -->`;
  return `${document.slice(0, start)}${marker}\n\n${content}\n${document.slice(end)}`;
}
