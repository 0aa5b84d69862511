/**
 * A job summary built up while an action runs and written once at the end (even on failure),
 * so a reader sees what happened without reading the log. Pure markdown; writing is separate.
 *
 * Each action writes one section: a `###` title, then the verdict (one line: what happened and,
 * when it went wrong, what to do), then the details. Several actions share one job's summary,
 * so the title is the only `###` and inner headings are `####`.
 */
import { appendFileSync } from 'node:fs';

export type Cell = string | number | boolean | undefined;

export type Outcome = 'success' | 'unchanged' | 'failure' | 'cancelled' | 'timeout' | 'warning';

const OUTCOME_MARK: Record<Outcome, string> = {
  success: '✅',
  unchanged: '➖',
  failure: '❌',
  cancelled: '⏹️',
  timeout: '⏱️',
  warning: '⚠️',
};

export class Summary {
  private readonly parts: string[] = [];
  private sectionTitle: string;
  private verdictLine?: string;
  private verdictOutcome?: Outcome;

  /** `title` is the section's heading until the action names it better with `title()`. */
  constructor(title = '') {
    this.sectionTitle = title;
  }

  /** Names the section, e.g. `deploy-bluegreen: main/web`. */
  title(text: string): this {
    this.sectionTitle = text;
    return this;
  }

  /** The line shown first, under the title; a later verdict replaces an earlier one. */
  verdict(outcome: Outcome, line: string): this {
    this.verdictLine = `${OUTCOME_MARK[outcome]} ${line}`;
    this.verdictOutcome = outcome;
    return this;
  }

  /** Adds to the verdict line, e.g. what only the action's frame knows (the commit, the duration). */
  amendVerdict(text: string): this {
    if (this.verdictLine !== undefined) this.verdictLine += text;
    return this;
  }

  /** Whether the verdict already says the step went wrong (a failure, a cancel, a timeout, a warning). */
  explainsFailure(): boolean {
    return (
      this.verdictOutcome !== undefined && this.verdictOutcome !== 'success' && this.verdictOutcome !== 'unchanged'
    );
  }

  /** An inner heading; the section's own is `title()`. */
  heading(text: string, level: 4 | 5 = 4): this {
    this.parts.push(`${'#'.repeat(level)} ${text}`);
    return this;
  }

  text(markdown: string): this {
    this.parts.push(markdown);
    return this;
  }

  /** A markdown table; cells are escaped so a `|` or newline in a value cannot break it. */
  table(header: string[], rows: Cell[][]): this {
    if (rows.length > 0) this.parts.push(markdownTable(header, rows));
    return this;
  }

  list(items: string[]): this {
    if (items.length > 0) this.parts.push(items.map((i) => `- ${i}`).join('\n'));
    return this;
  }

  /** A folded block of markdown (tables, lists), e.g. rows a reader needs only on a bad day. */
  folded(title: string, markdown: string): this {
    if (markdown.trim()) {
      this.parts.push(`<details><summary>${escapeHtml(title)}</summary>\n\n${markdown.trim()}\n\n</details>`);
    }
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
    return this.parts.length === 0 && this.verdictLine === undefined;
  }

  /** Title and verdict first (even when the verdict was given last), then the rest in order. */
  toMarkdown(): string {
    if (this.isEmpty()) return '';
    const head = [
      ...(this.sectionTitle ? [`### ${this.sectionTitle}`] : []),
      ...(this.verdictLine ? [this.verdictLine] : []),
    ];
    return `${[...head, ...this.parts].join('\n\n')}\n`;
  }
}

/** A markdown table; cells are escaped so a `|` or newline in a value cannot break it. */
export function markdownTable(header: string[], rows: Cell[][]): string {
  const line = (cells: Cell[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
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
