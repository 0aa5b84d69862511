import { parseTemplateText, templateFormat } from './template-text.js';
import { parseYamlTemplate } from './template-yaml.lazy.js';

describe('task definition templates', () => {
  test('the format follows the extension', () => {
    expect(templateFormat('app/td.yaml')).toBe('yaml');
    expect(templateFormat('app/TD.YML')).toBe('yaml');
    expect(templateFormat('app/td.json')).toBe('json');
    expect(templateFormat('')).toBe('json');
  });

  test('YAML is read with the core schema: yes and on stay strings, as JSON would give them', () => {
    const doc = parseYamlTemplate(
      'family: app\ncontainerDefinitions:\n  - name: app\n    environment:\n      - { name: A, value: yes }\n      - { name: B, value: on }\n',
    );
    expect(doc).toEqual({
      family: 'app',
      containerDefinitions: [
        {
          name: 'app',
          environment: [
            { name: 'A', value: 'yes' },
            { name: 'B', value: 'on' },
          ],
        },
      ],
    });
  });

  test('a YAML error names its line and column; a JSON error its line', () => {
    expect(() => parseYamlTemplate('family: app\n  bad: [\n')).toThrow(
      /^line \d+, column \d+: .*\(a file of valid YAML\)$/,
    );
    expect(() => parseTemplateText('{\n "family": \n', 'json')).toThrow(/\(a file of valid JSON\)$/);
  });

  test('a YAML template without the parser loaded is a clear internal error, not a JSON error', () => {
    expect(() => parseTemplateText('family: app\n', 'yaml')).toThrow(
      'the YAML parser was not loaded for a YAML template',
    );
    expect(parseTemplateText('family: app\n', 'yaml', parseYamlTemplate)).toEqual({ family: 'app' });
  });
});
