import { evaluate, render, renderInputs, type Context } from './expressions.js';

const context: Context = {
  inputs: { environment: 'production', ingress: true, 'deploy-timeout-minutes': 60, empty: '' },
  vars: { AWS_REGION: 'eu-west-1' },
  steps: {
    foundation: { outputs: { outputs: '{"vpc_id":"vpc-1","private_subnet_ids":["subnet-a","subnet-b"],"port":3000}' } },
    missing: { outputs: {} },
  },
  needs: { check: { outputs: { prefix: 'source/' } } },
};

describe('GitHub expressions', () => {
  it('reads contexts and properties, case-insensitively, and gives null for what is missing', () => {
    expect(evaluate('inputs.environment', context)).toBe('production');
    expect(evaluate('vars.aws_region', context)).toBe('eu-west-1');
    expect(evaluate("inputs['deploy-timeout-minutes']", context)).toBe(60);
    expect(evaluate('steps.nope.outputs.x', context)).toBeNull();
  });

  it('returns an operand from || and &&, as GitHub does', () => {
    expect(evaluate("inputs.empty || 'fallback'", context)).toBe('fallback');
    expect(evaluate("inputs.ingress && 'yes' || 'no'", context)).toBe('yes');
    expect(evaluate("!inputs.ingress && 'yes' || 'no'", context)).toBe('no');
    expect(evaluate('inputs.empty && 1', context)).toBe('');
  });

  it('compares strings without case and mixed types as numbers', () => {
    expect(evaluate("inputs.environment == 'PRODUCTION'", context)).toBe(true);
    expect(evaluate("inputs['deploy-timeout-minutes'] == '60'", context)).toBe(true);
    expect(evaluate("needs.check.outputs.prefix != ''", context)).toBe(true);
    expect(evaluate('1 < 2 && 2 >= 2', context)).toBe(true);
  });

  it('implements fromJSON, toJSON and format', () => {
    expect(evaluate("fromJSON(steps.foundation.outputs.outputs || '{}').vpc_id", context)).toBe('vpc-1');
    expect(evaluate("fromJSON(steps.missing.outputs.outputs || '{}').vpc_id", context)).toBeNull();
    expect(evaluate("toJSON(fromJSON(steps.missing.outputs.outputs || '{}').vpc_id)", context)).toBe('null');
    expect(
      JSON.parse(String(evaluate('toJSON(fromJSON(steps.foundation.outputs.outputs).private_subnet_ids)', context))),
    ).toEqual(['subnet-a', 'subnet-b']);
    expect(evaluate("format('{0}{1}', needs.check.outputs.prefix, 'app')", context)).toBe('source/app');
    expect(evaluate("format('{{literal}} {0}', 1)", context)).toBe('{literal} 1');
    expect(() => evaluate("fromJSON('')", context)).toThrow('fromJSON: not JSON');
  });

  it('renders templates as the runner renders with: values', () => {
    expect(render('key=${{ inputs.environment }}/foundation.tfstate', context)).toBe(
      'key=production/foundation.tfstate',
    );
    expect(render("${{ needs.check.outputs.prefix }}${{ inputs.empty || 'app' }}", context)).toBe('source/app');
    expect(
      render('port=${{ fromJSON(steps.foundation.outputs.outputs).port }} on=${{ inputs.ingress }}', context),
    ).toBe('port=3000 on=true');
    expect(renderInputs({ a: "${{ '}}' }}", b: 'plain' }, context)).toEqual({ a: '}}', b: 'plain' });
  });

  it('refuses what it does not understand instead of guessing', () => {
    expect(() => evaluate('inputs.environment +', context)).toThrow();
    expect(() => evaluate('hashFiles()', context)).toThrow('unknown function hashFiles()');
  });
});
