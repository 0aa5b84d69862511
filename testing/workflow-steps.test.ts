import { describe, expect, test } from '@jest/globals';
import {
  actionInputDefaults,
  evaluateStep,
  evaluateTemplate,
  findStep,
  localAction,
  provisionVariables,
  stackOf,
  stepIdsUsing,
  stepInputs,
  workflowInputDefaults,
} from './workflow-steps.js';

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

const foundation = {
  repository_name: 'demo',
  container_name: 'app',
  container_port: 3000,
  execution_role_arn: 'arn:aws:iam::123456789012:role/demo-execution',
  task_role_arn: 'arn:aws:iam::123456789012:role/demo-task',
  log_group_name: '/ecs/demo',
  vpc_id: 'vpc-1',
  private_subnet_ids: ['subnet-a', 'subnet-b'],
};
const service = {
  cluster_name: 'demo',
  service_name: 'demo',
  codedeploy_application: 'demo-app',
  codedeploy_deployment_group: 'demo-dg',
  production_url: 'http://127.0.0.1:4000',
  test_url: 'http://127.0.0.1:4001',
};

function deployContext(inputs: Record<string, unknown> = {}) {
  return {
    inputs: { ...workflowInputDefaults('reusable-deploy.yml'), environment: 'demo', ...inputs },
    vars: { AWS_REGION: 'us-east-1' },
    needs: { check: { outputs: { prefix: '' } } },
    steps: {
      foundation: { outputs: { outputs: JSON.stringify(foundation) } },
      service: { outputs: { outputs: JSON.stringify(service) } },
      ingress: { outputs: { outputs: '' } },
      build: { outputs: { image: 'r/demo@sha256:abc', built: 'true' } },
    },
  };
}

describe('the demo reads its inputs from the workflows', () => {
  test('workflow_call defaults are what a caller passing only environment gets', () => {
    const defaults = workflowInputDefaults('reusable-deploy.yml');
    expect(defaults.context).toBe('app');
    expect(defaults['task-definition']).toBe('app/task-definition.json');
    expect(defaults).not.toHaveProperty('environment'); // required, no default
    expect(() => workflowInputDefaults('deploy.yml')).toThrow(/no on.workflow_call.inputs/);
  });

  test('action.yml defaults fill the inputs a step leaves out, as the runner does', () => {
    expect(actionInputDefaults('deploy-bluegreen')['on-active-deployment']).toBe('wait');
    expect(actionInputDefaults('smoke-test').path).toBe('/host');
  });

  test("the deploy step takes the stacks' outputs, the built image and the deployment-config input", () => {
    const step = evaluateStep(
      'reusable-deploy.yml',
      'deploy',
      'deploy',
      deployContext({ 'deployment-config': 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes' }),
    );
    expect(step.action).toBe('deploy-bluegreen');
    expect(step.runs).toBe(true);
    expect(step.inputs).toMatchObject({
      cluster: 'demo',
      service: 'demo',
      'container-name': 'app',
      image: 'r/demo@sha256:abc',
      'codedeploy-application': 'demo-app',
      'codedeploy-deployment-group': 'demo-dg',
      'deployment-config': 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
      'log-group': '/ecs/demo',
      'test-url': '', // test-gate is false by default
      'on-active-deployment': 'wait', // action.yml default
    });
    expect(step.inputs.environment).toContain('IMAGE_URI=r/demo@sha256:abc');
    expect(step.withKeys).toContain('deployment-config');
    expect(step.withKeys).not.toContain('on-active-deployment');
  });

  test('the smoke step expects the built image on the production URL', () => {
    const step = evaluateStep('reusable-deploy.yml', 'deploy', 'smoke', deployContext());
    expect(step.inputs.url).toBe('http://127.0.0.1:4000');
    expect(step.inputs['expect-json']).toBe('imageUri=r/demo@sha256:abc');
  });

  test("init's provision steps give the stand-ins their Terraform variables; ingress follows inputs.ingress", () => {
    const context = {
      inputs: { ...workflowInputDefaults('reusable-init.yml'), environment: 'demo', ingress: false },
      vars: { AWS_REGION: 'eu-west-1' },
      needs: { check: { outputs: { prefix: '', name: 'demo' } } },
      steps: {
        foundation: { outputs: { outputs: JSON.stringify(foundation) } },
        taskdef: { outputs: { 'task-definition-arn': 'arn:aws:ecs:eu-west-1:1:task-definition/demo:1' } },
      },
    };
    const foundationStep = evaluateStep('reusable-init.yml', 'init', 'foundation', context);
    expect(stackOf(foundationStep)).toBe('foundation');
    expect(provisionVariables(foundationStep)).toMatchObject({
      aws_region: 'eu-west-1',
      name: 'demo',
      container_name: 'app',
      container_port: 3000,
    });
    const serviceStep = evaluateStep('reusable-init.yml', 'init', 'service', context);
    expect(provisionVariables(serviceStep)).toMatchObject({
      name: 'demo',
      task_definition_arn: 'arn:aws:ecs:eu-west-1:1:task-definition/demo:1',
      private_subnet_ids: ['subnet-a', 'subnet-b'],
    });
    expect(evaluateStep('reusable-init.yml', 'init', 'ingress', context).runs).toBe(false);
    expect(
      evaluateStep('reusable-init.yml', 'init', 'ingress', { ...context, inputs: { ...context.inputs, ingress: true } })
        .runs,
    ).toBe(true);
  });

  test("destroy's provision steps come in the reverse of init's stack order", () => {
    const stacks = (file: string, job: string) =>
      stepIdsUsing(file, job, 'provision')
        .map((id) => evaluateStep(file, job, id, { inputs: { environment: 'demo' }, vars: {}, needs: {}, steps: {} }))
        .filter((step) => step.inputs.command !== 'output')
        .map(stackOf);
    const init = stacks('reusable-init.yml', 'init');
    expect(init).toEqual(['foundation', 'service', 'ingress']);
    expect(stacks('reusable-destroy.yml', 'destroy')).toEqual([...init].reverse());
  });

  test('bad workflow shapes are clear errors', () => {
    expect(() => localAction({ uses: 'actions/checkout@abc' }, 'x.yml step checkout')).toThrow(
      /x.yml step checkout does not use a local action/,
    );
    const step = evaluateStep('reusable-deploy.yml', 'deploy', 'build', deployContext());
    expect(() => provisionVariables({ ...step, inputs: { variables: '{ not json' } })).toThrow(/variables is not JSON/);
    expect(() => stackOf({ ...step, inputs: { 'working-directory': 'app' } })).toThrow(/is not a terraform stack/);
  });
});
