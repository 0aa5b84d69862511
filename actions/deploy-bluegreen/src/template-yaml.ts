/**
 * Task definition templates in YAML as well as JSON, chosen by the file's extension. YAML is read
 * as YAML 1.2 core schema, so `yes` and `on` stay the strings JSON would give;
 * a template error names its line.
 */
import { parseDocument } from 'yaml';

export type TemplateFormat = 'json' | 'yaml';

export function templateFormat(file: string): TemplateFormat {
  return /\.ya?ml$/i.test(file) ? 'yaml' : 'json';
}

/** Parses template text; the error message names the line (and column) of the first problem. */
export function parseTemplateText(text: string, format: TemplateFormat): unknown {
  if (format === 'json') {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new Error(withJsonLine(text, (error as Error).message));
    }
  }
  const doc = parseDocument(text, { schema: 'core', uniqueKeys: true, prettyErrors: true });
  const problem = doc.errors[0];
  if (problem) {
    const at = problem.linePos?.[0];
    throw new Error(
      `${at ? `line ${at.line}, column ${at.col}: ` : ''}${problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')} (a file of valid YAML)`,
    );
  }
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
}

/** JSON.parse names a position on some Node versions: turn it into a line number. */
function withJsonLine(text: string, message: string): string {
  const position = /position (\d+)/.exec(message)?.[1];
  if (position === undefined) return `${message} (a file of valid JSON)`;
  const line = text.slice(0, Number(position)).split('\n').length;
  return `line ${line}: ${message} (a file of valid JSON)`;
}
