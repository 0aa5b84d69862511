/**
 * A job summary built up while an action runs and written once at the end (even on failure),
 * so a reader sees what happened without reading the log. Pure markdown; writing is separate.
 */
import { appendFileSync } from 'node:fs';

export type Cell = string | number | boolean | undefined;

export class Summary {
  private readonly parts: string[] = [];

  heading(text: string, level: 2 | 3 | 4 = 3): this {
    this.parts.push(`${'#'.repeat(level)} ${text}`);
    return this;
  }

  text(markdown: string): this {
    this.parts.push(markdown);
    return this;
  }

  /** A markdown table; cells are escaped so a `|` or newline in a value cannot break it. */
  table(header: string[], rows: Cell[][]): this {
    if (rows.length === 0) return this;
    const line = (cells: Cell[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
    this.parts.push([line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n'));
    return this;
  }

  list(items: string[]): this {
    if (items.length > 0) this.parts.push(items.map((i) => `- ${i}`).join('\n'));
    return this;
  }

  /** A folded block, e.g. a diff. */
  details(title: string, body: string, language = ''): this {
    this.parts.push(
      `<details><summary>${escapeHtml(title)}</summary>\n\n\`\`\`${language}\n${body}\n\`\`\`\n\n</details>`,
    );
    return this;
  }

  isEmpty(): boolean {
    return this.parts.length === 0;
  }

  toMarkdown(): string {
    return this.parts.length ? `${this.parts.join('\n\n')}\n` : '';
  }
}

export function link(text: string, url: string): string {
  return `[${text.replace(/[[\]]/g, '')}](${url})`;
}

function escapeCell(cell: Cell): string {
  if (cell === undefined) return '';
  return String(cell).replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Appends the summary to the file the runner names in GITHUB_STEP_SUMMARY. Returns false when
 * there is no such file (a local run), so the caller can say where the summary went.
 */
export function writeSummary(summary: Summary, env: NodeJS.ProcessEnv = process.env): boolean {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file || summary.isEmpty()) return false;
  appendFileSync(file, summary.toMarkdown(), 'utf8');
  return true;
}
