/**
 * YAML task definition templates, read as YAML 1.2 core schema so `yes` and `on` stay the strings
 * JSON would give; an error names its line and column. Loaded only when the template is YAML.
 */
import { parseDocument } from 'yaml';

export function parseYamlTemplate(text: string): unknown {
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
