/**
 * Checks a job summary as GitHub renders it (GitHub-flavoured markdown): tables well formed
 * (header, delimiter row, the same number of cells in every row, a blank line before), no cell
 * over MAX_CELL_CHARS visible characters (a wider table pushes its last column off-screen), code
 * fences and <details> blocks closed. Returns the problems, one line each; none means it is fine.
 */
export const MAX_CELL_CHARS = 80;

/** The cells of a table row, split on `|` that are not escaped. */
export function tableCells(row: string): string[] {
  const inner = row
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim());
}

/** What a reader sees of a cell: link text without its URL, no code or emphasis marks. */
export function visibleText(cell: string): string {
  return cell
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<br>/g, ' ')
    .replace(/\\\|/g, '|')
    .replace(/[`*]/g, '');
}

export function checkGfm(markdown: string): string[] {
  const problems: string[] = [];
  const lines = markdown.split('\n');
  let fence: number | undefined;
  let opened = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const where = `line ${i + 1}`;
    if (/^\s*```/.test(line)) {
      fence = fence === undefined ? i : undefined;
      continue;
    }
    if (fence !== undefined) continue;
    opened += (line.match(/<details>/g) ?? []).length - (line.match(/<\/details>/g) ?? []).length;
    if (!line.trimStart().startsWith('|')) continue;
    // The first line of a table.
    if (i > 0 && lines[i - 1]!.trim() !== '' && !lines[i - 1]!.trimStart().startsWith('|')) {
      problems.push(`${where}: a table needs a blank line before it`);
    }
    let end = i;
    while (end + 1 < lines.length && lines[end + 1]!.trimStart().startsWith('|')) end++;
    const rows = lines.slice(i, end + 1).map(tableCells);
    const width = rows[0]!.length;
    if (rows.length < 2 || !rows[1]!.every((cell) => /^:?-{3,}:?$/.test(cell))) {
      problems.push(`${where}: a table's second row must be its delimiter row (| --- | --- |)`);
    }
    rows.forEach((cells, r) => {
      if (cells.length !== width) {
        problems.push(`line ${i + r + 1}: ${cells.length} cells where the header has ${width}`);
      }
      if (rows[0]!.every((cell) => cell === '') && r === 0) {
        problems.push(`${where}: the header row is empty`);
      }
      for (const cell of cells) {
        const shown = visibleText(cell);
        if (shown.length > MAX_CELL_CHARS) {
          problems.push(
            `line ${i + r + 1}: a cell of ${shown.length} characters (at most ${MAX_CELL_CHARS}): ${shown.slice(0, 40)}…`,
          );
        }
      }
    });
    i = end;
  }
  if (fence !== undefined) problems.push(`line ${fence + 1}: a code fence is never closed`);
  if (opened !== 0)
    problems.push(`<details> opened and closed do not match (${opened > 0 ? 'unclosed' : 'extra close'})`);
  return problems;
}
