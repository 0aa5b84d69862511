/**
 * Task definition templates in JSON or YAML, chosen by the file's extension; a template error
 * names its line. The YAML parser is its own lazily loaded module (template-yaml.lazy.ts): most
 * runs give JSON, and the parser is most of what the entry file would otherwise load.
 */

export type TemplateFormat = 'json' | 'yaml';

export function templateFormat(file: string): TemplateFormat {
  return /\.ya?ml$/i.test(file) ? 'yaml' : 'json';
}

/** Parses YAML template text (template-yaml.lazy.ts), loaded only for a YAML template. */
export type YamlParser = (text: string) => unknown;

/** Parses template text; the error message names the line (and column) of the first problem. */
export function parseTemplateText(text: string, format: TemplateFormat, parseYaml?: YamlParser): unknown {
  if (format === 'yaml') {
    if (!parseYaml) throw new Error('the YAML parser was not loaded for a YAML template');
    return parseYaml(text);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(withJsonLine(text, (error as Error).message));
  }
}

/** JSON.parse names a position on some Node versions: turn it into a line number. */
function withJsonLine(text: string, message: string): string {
  const position = /position (\d+)/.exec(message)?.[1];
  if (position === undefined) return `${message} (a file of valid JSON)`;
  const line = text.slice(0, Number(position)).split('\n').length;
  return `line ${line}: ${message} (a file of valid JSON)`;
}
