import { evaluateTemplate, findStep, stepInputs } from './workflow-steps.js';

describe('workflow step inputs', () => {
  const context = {
    inputs: { environment: 'demo', context: 'app', dockerfile: '', 'deployment-config': '' },
    needs: { check: { outputs: { prefix: '' } } },
    steps: { build: { outputs: { image: 'repo@sha256:abc' } } },
  };

  test('evaluates expressions with GitHub semantics (||, &&, format)', () => {
    expect(evaluateTemplate("${{ inputs.dockerfile || 'none' }}", context)).toBe('none');
    expect(
      evaluateTemplate("x=${{ inputs.context && format('{0}/{1}', inputs.context, 'Dockerfile') }}", context),
    ).toBe('x=app/Dockerfile');
    expect(evaluateTemplate('imageUri=${{ steps.build.outputs.image }}', context)).toBe('imageUri=repo@sha256:abc');
    expect(evaluateTemplate('${{ steps.missing.outputs.image }}', context)).toBe('');
  });

  test('reads the deploy workflow: smoke-test expects the image build-image produced', () => {
    const smoke = findStep('reusable-deploy.yml', 'deploy', 'smoke');
    expect(stepInputs(smoke, context)['expect-json']).toBe('imageUri=repo@sha256:abc');
  });

  test('a step that is gone is a clear error', () => {
    expect(() => findStep('reusable-deploy.yml', 'deploy', 'nope')).toThrow(/has no step with id 'nope'/);
  });
});
