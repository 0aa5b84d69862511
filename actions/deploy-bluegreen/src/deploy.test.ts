import { ActionFailure, ConfigurationError } from '../../../lib/errors.js';
import { systemClock } from '../../../lib/cancel.js';
import { appSpec, CANCEL_BUDGET_MS, deploymentDescription } from './codedeploy.js';
import type { DeployConfig, RegisterOnlyConfig, ServiceDeployConfig } from './config.js';
import { deploy, newReport, type DeployReport } from './deploy.js';
import { STATE } from './deps.js';
import { deployOutputs } from './outputs.js';
import {
  awsError,
  described,
  fakeCodeDeploy,
  fakeDeps,
  fakeEcs,
  FakeAws,
  template,
  tdArn,
  type Step,
} from './fakes.test-helpers.js';

const MUTATING = [
  'RegisterTaskDefinition',
  'CreateDeployment',
  'StopDeployment',
  'UpdateService',
  'ContinueDeployment',
];

function config(over: Partial<ServiceDeployConfig> = {}): ServiceDeployConfig {
  return {
    mode: 'deploy',
    cluster: 'main',
    service: 'web',
    containerName: 'app',
    image: 'repo/app:2',
    environment: new Map(),
    timeoutMs: 60 * 60_000,
    onActiveDeployment: 'wait',
    rollbackOnCancel: true,
    pollIntervalMs: 5000,
    testPath: '/host',
    testExpectJson: new Map(),
    testRequests: 5,
    testTimeoutMs: 60_000,
    ...over,
  };
}

function registerOnlyConfig(over: Partial<RegisterOnlyConfig> = {}): RegisterOnlyConfig {
  return {
    mode: 'register-only',
    cluster: 'main',
    containerName: 'app',
    environment: new Map(),
    pollIntervalMs: 5000,
    template: { path: 'app/task-definition.json', definition: template('repo/app:7') },
    ...over,
  };
}

const EVENTS: [string, string][] = [
  ['BeforeInstall', 'Succeeded'],
  ['Install', 'Succeeded'],
  ['AfterInstall', 'Succeeded'],
  ['AllowTestTraffic', 'Succeeded'],
  ['AfterAllowTestTraffic', 'Succeeded'],
  ['BeforeAllowTraffic', 'Succeeded'],
  ['AllowTraffic', 'Succeeded'],
  ['AfterAllowTraffic', 'Succeeded'],
];
const upTo = (n: number, last = 'InProgress'): [string, string][] =>
  EVENTS.map(([name], i) => [name, i < n ? 'Succeeded' : i === n ? last : 'Pending']);

const LINEAR: Step[] = [
  { status: 'Created' },
  { status: 'InProgress', events: upTo(1) },
  { status: 'InProgress', events: upTo(6), traffic: [100, 0] },
  { status: 'InProgress', events: upTo(6), traffic: [100, 0] },
  { status: 'InProgress', events: upTo(6), traffic: [90, 10] },
  { status: 'InProgress', events: upTo(6), traffic: [80, 20] },
  { status: 'InProgress', events: upTo(6), traffic: [80, 20] },
  { status: 'InProgress', events: upTo(7), traffic: [0, 100] },
  { status: 'InProgress', events: upTo(8), traffic: [0, 100] },
  { status: 'InProgress', events: upTo(8), traffic: [0, 100] },
  { status: 'Succeeded', events: upTo(8), traffic: [0, 100] },
];

async function run(cfg: DeployConfig, ecs: FakeAws, codedeploy: FakeAws, deps = fakeDeps(ecs, codedeploy)) {
  const report: DeployReport = newReport(cfg, 'eu-west-1');
  // The outputs main.ts writes from the result.
  const outcome = await deploy(cfg, deps, report).then(
    (result) => ({ outputs: deployOutputs(result), error: undefined }),
    (error: Error) => ({ outputs: undefined, error }),
  );
  return { ...outcome, report, deps };
}

describe('unchanged', () => {
  test('the running definition equals the desired one: 2 AWS calls, nothing registered or deployed', async () => {
    const { ecs } = fakeEcs({ running: template('repo/app:2') });
    const codedeploy = fakeCodeDeploy({});
    const { outputs, error } = await run(config(), ecs, codedeploy);
    expect(error).toBeUndefined();
    expect(outputs).toEqual({
      'task-definition-arn': tdArn('app', 1),
      'task-definition-changed': false,
      deployed: false,
      'deployment-id': '',
      status: 'unchanged',
    });
    expect([...ecs.ops(), ...codedeploy.ops()]).toEqual(['DescribeServices', 'DescribeTaskDefinition']);
  });

  test('for CODE_DEPLOY the PRIMARY task set is what runs, not the other task set', async () => {
    const { ecs } = fakeEcs({ running: template('repo/app:2') });
    await run(config(), ecs, fakeCodeDeploy({}));
    expect(ecs.inputsOf('DescribeTaskDefinition')[0]).toEqual({ taskDefinition: tdArn('app', 1), include: ['TAGS'] });
  });

  test('a template equal to the running definition (AWS fill-ins aside) is unchanged too', async () => {
    const { ecs } = fakeEcs({ running: template('repo/app:2') });
    const { outputs } = await run(
      config({
        image: undefined,
        template: { path: 'td.json', definition: { ...template('repo/app:2'), cpu: '0.25 vCPU' } },
      }),
      ecs,
      fakeCodeDeploy({}),
    );
    expect(outputs?.status).toBe('unchanged');
  });
});

describe('what ECS keeps of a template', () => {
  const withEmptyValue = () => {
    const definition = template('repo/app:2');
    (definition.containerDefinitions as Record<string, unknown>[])[0]!.environment = [
      { name: 'BASE_PATH', value: '' },
      { name: 'LOG_LEVEL', value: 'info' },
    ];
    return definition;
  };

  test('an environment entry with an empty value is left out with a warning, and counts as no change', async () => {
    const { ecs, registry } = fakeEcs({ running: withEmptyValue() });
    const { outputs, deps } = await run(
      config({ image: undefined, template: { path: 'td.json', definition: withEmptyValue() } }),
      ecs,
      fakeCodeDeploy({}),
    );
    expect(outputs?.status).toBe('unchanged');
    expect(registry).toHaveLength(1);
    expect(deps.logger.lines).toContain('warning: ECS does not keep BASE_PATH with an empty value; left out');
  });

  test('a change of tags alone registers and deploys; equal tags do not', async () => {
    const tagged = (value: string) => ({ ...template('repo/app:2'), tags: [{ key: 'team', value }] });
    const same = fakeEcs({ running: tagged('web') });
    const unchanged = await run(
      config({ image: undefined, template: { path: 'td.json', definition: tagged('web') } }),
      same.ecs,
      fakeCodeDeploy({}),
    );
    expect(unchanged.outputs?.status).toBe('unchanged');

    const { ecs } = fakeEcs({ running: tagged('web') });
    const { outputs, report } = await run(
      config({ image: undefined, template: { path: 'td.json', definition: tagged('payments') } }),
      ecs,
      fakeCodeDeploy({ script: [{ status: 'Succeeded' }] }),
    );
    expect(outputs?.deployed).toBe(true);
    expect(ecs.inputsOf('RegisterTaskDefinition')[0]?.tags).toEqual([{ key: 'team', value: 'payments' }]);
    expect(report.diff).toEqual(['~ tags[0].value: "web" -> "payments"']);
  });
});

describe('CodeDeploy deployment', () => {
  test('discovers the group, registers, deploys with an inline AppSpec and logs each change once', async () => {
    const { ecs } = fakeEcs({ running: template('repo/app:1') });
    const codedeploy = fakeCodeDeploy({ script: LINEAR });
    const { outputs, error, deps, report } = await run(config(), ecs, codedeploy);
    expect(error).toBeUndefined();
    expect(outputs).toEqual({
      'task-definition-arn': tdArn('app', 2),
      'task-definition-changed': true,
      deployed: true,
      'deployment-id': 'd-NEW',
      status: 'Succeeded',
    });
    const create = codedeploy.inputsOf('CreateDeployment')[0]!;
    expect(create).toMatchObject({
      applicationName: 'web-app',
      deploymentGroupName: 'web-dg',
      autoRollbackConfiguration: { enabled: true },
    });
    const spec = appSpec({ taskDefinitionArn: tdArn('app', 2), containerName: 'app', containerPort: 3000 });
    expect(create.revision).toEqual({ revisionType: 'AppSpecContent', appSpecContent: spec });
    expect(JSON.parse(spec.content)).toEqual({
      version: 0,
      Resources: [
        {
          TargetService: {
            Type: 'AWS::ECS::Service',
            Properties: {
              TaskDefinition: tdArn('app', 2),
              LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 3000 },
            },
          },
        },
      ],
    });
    expect(spec.sha256).toMatch(/^[0-9a-f]{64}$/);

    const lines = deps.logger.lines;
    const traffic = lines.filter((l) => l.startsWith('Traffic:'));
    expect(traffic).toEqual([
      'Traffic: blue 100% | green 0%',
      'Traffic: blue 90% | green 10%',
      'Traffic: blue 80% | green 20%',
      'Traffic: blue 0% | green 100%',
    ]);
    for (const [name] of EVENTS) {
      expect(lines.filter((l) => l.trim().startsWith(`${name}: Succeeded`))).toHaveLength(1);
    }
    expect(lines.filter((l) => l === 'Deployment d-NEW: InProgress')).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('Production traffic is on green'))).toHaveLength(1);
    expect(report.record?.lifecycle.map((r) => r.name)).toEqual(EVENTS.map(([n]) => n));
    expect(deps.state.get(STATE.id)).toBe('d-NEW');
    expect(deps.state.get(STATE.finished)).toBe('true');
    // Polled at the poll interval, never longer.
    expect(Math.max(...deps.clock.sleeps)).toBe(5000);
  });

  test('a digest image from a long registry keeps the description within the 100 characters CodeDeploy allows', async () => {
    const { ecs } = fakeEcs({ running: template('repo/app:1') });
    const codedeploy = fakeCodeDeploy({});
    const image = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/some-long-service-name@sha256:${'ab'.repeat(32)}`;
    const { error } = await run(config({ image }), ecs, codedeploy);
    expect(error).toBeUndefined();
    const description = codedeploy.inputsOf('CreateDeployment')[0]!.description as string;
    expect(description.length).toBeLessThanOrEqual(100);
    expect(description).toBe(`deploy-bluegreen app:2 some-long-service-name@sha256:${'ab'.repeat(6)}`);
    expect(deploymentDescription(`${tdArn('a'.repeat(120), 1)}`, image)).toHaveLength(100);
  });

  test('given application and group are checked against the service before anything changes', async () => {
    const { ecs } = fakeEcs({ running: template('repo/app:1') });
    const codedeploy = fakeCodeDeploy({});
    const bad = await run(
      config({ codedeployApplication: 'web-app', codedeployDeploymentGroup: 'other-dg' }),
      ecs,
      codedeploy,
    );
    expect(bad.error).toBeInstanceOf(ConfigurationError);
    expect(bad.error?.message).toMatch(/Input 'codedeploy-deployment-group' has the value "other-dg".*main\/api/);
    const badConfig = await run(config({ deploymentConfig: 'CodeDeployDefault.Typo' }), ecs, codedeploy);
    expect(badConfig.error?.message).toMatch(/Input 'deployment-config' has the value "CodeDeployDefault.Typo"/);
    const missingApp = await run(
      config({ codedeployApplication: 'nope', codedeployDeploymentGroup: 'web-dg' }),
      ecs,
      codedeploy,
    );
    expect(missingApp.error?.message).toMatch(/Input 'codedeploy-application' has the value "nope"/);
    expect([...ecs.ops(), ...codedeploy.ops()].filter((op) => MUTATING.includes(op))).toEqual([]);
  });

  test("the family's latest revision is reused when it already equals the desired definition", async () => {
    const { ecs, registry } = fakeEcs({ running: template('repo/app:1') });
    const first = await run(config(), ecs, fakeCodeDeploy({}));
    expect(first.outputs?.['task-definition-arn']).toBe(tdArn('app', 2));
    // The service still runs revision 1 (say the deployment was rolled back): revision 2 is reused.
    ecs.calls.length = 0;
    const second = await run(config(), ecs, fakeCodeDeploy({}));
    expect(second.outputs?.['task-definition-arn']).toBe(tdArn('app', 2));
    expect(ecs.ops()).not.toContain('RegisterTaskDefinition');
    expect(registry).toHaveLength(2);
    expect(second.deps.logger.text()).toMatch(/reusing it/);
  });

  test('a failed deployment names the event, errorInformation, stoppedReason and service events', async () => {
    const { ecs } = fakeEcs({
      running: template('repo/app:1'),
      stoppedTasks: [
        {
          taskArn: 'arn:aws:ecs:::task/main/abc',
          taskDefinitionArn: tdArn('app', 2),
          stoppedReason: 'Essential container in task exited',
        },
      ],
      events: ['(service web) has started 1 tasks: (task abc).', '(service web) deregistered 1 targets'],
    });
    const codedeploy = fakeCodeDeploy({
      script: [
        { status: 'InProgress', events: upTo(1) },
        {
          status: 'Failed',
          events: upTo(1, 'Failed'),
          error: { code: 'ECS_UPDATE_ERROR', message: 'The ECS service cannot be updated due to an error.' },
          rollbackId: 'd-ROLLBACK',
        },
      ],
      others: () => 'Succeeded',
    });
    const { error, report } = await run(config(), ecs, codedeploy);
    expect(error).toBeInstanceOf(ActionFailure);
    const message = error!.message;
    expect(message).toMatch(/Deployment d-NEW Failed in lifecycle event Install/);
    expect(message).toMatch(/ECS_UPDATE_ERROR: The ECS service cannot be updated/);
    expect(message).toMatch(/task abc \(app:2\): Essential container in task exited \(exit code 1\)/);
    expect(message).toMatch(/has started 1 tasks/);
    expect(message).toMatch(/Rollback deployment d-ROLLBACK: Succeeded/);
    expect(report.record?.rollbackStatus).toBe('Succeeded');
  });

  test('timeout: StopDeployment with rollback, waits for the rollback, fails saying so', async () => {
    const { ecs } = fakeEcs({ running: template('repo/app:1') });
    const codedeploy = fakeCodeDeploy({
      script: [{ status: 'InProgress', events: upTo(6), traffic: [100, 0] }],
    });
    // After the stop, the deployment reports Stopped with its rollback.
    const getDeployment = codedeploy.handlers.GetDeployment!;
    codedeploy.handlers.GetDeployment = (input) =>
      codedeploy.ops().includes('StopDeployment') && input.deploymentId === 'd-NEW'
        ? {
            deploymentInfo: {
              deploymentId: 'd-NEW',
              status: 'Stopped',
              rollbackInfo: { rollbackDeploymentId: 'd-RB' },
            },
          }
        : getDeployment(input);
    const { error, deps } = await run(config({ timeoutMs: 60_000 }), ecs, codedeploy);
    expect(error).toBeInstanceOf(ActionFailure);
    expect(error!.message).toMatch(
      /^Timed out: timeout-minutes \(1m\) reached while the deployment was InProgress \(AllowTraffic InProgress\)/,
    );
    expect(error!.message).toMatch(
      /Stopped deployment d-NEW with rollback: it ended Stopped, and rollback deployment d-RB Succeeded/,
    );
    expect(codedeploy.inputsOf('StopDeployment')).toEqual([{ deploymentId: 'd-NEW', autoRollbackEnabled: true }]);
    // The stop went through: nothing left for the post step.
    expect(deps.state.get(STATE.finished)).toBe('true');
    // Bounded: about the timeout, plus the short rollback wait.
    expect(deps.clock.time - 1_000_000).toBeLessThanOrEqual(60_000 + 2000);
  });

  test('timeout whose StopDeployment fails: says the deployment still runs, not rolled back, with its link; left for the post step', async () => {
    const { ecs } = fakeEcs({ running: template('repo/app:1') });
    const codedeploy = fakeCodeDeploy({ script: [{ status: 'InProgress', events: upTo(6), traffic: [100, 0] }] });
    codedeploy.handlers.StopDeployment = () => {
      throw awsError('AccessDeniedException', 'not authorized to perform: codedeploy:StopDeployment');
    };
    const { error, deps } = await run(config({ timeoutMs: 60_000 }), ecs, codedeploy);
    expect(error).toBeInstanceOf(ActionFailure);
    expect(error!.message).toMatch(/^Timed out: timeout-minutes \(1m\) reached/);
    expect(error!.message).toMatch(/AccessDeniedException: not authorized to perform: codedeploy:StopDeployment/);
    expect(error!.message).toContain(
      'deployment d-NEW is still running and was not rolled back; the post step tries to stop it again. Follow it, or stop it by hand: https://eu-west-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-NEW?region=eu-west-1',
    );
    expect(deps.state.get(STATE.id)).toBe('d-NEW');
    expect(deps.state.get(STATE.finished)).toBe('false');
    expect(deps.state.get(STATE.stopFailed)).toBe('true');
  });

  test('timeout during the blue termination wait: no stop, no rollback; succeeds saying CodeDeploy finishes it', async () => {
    const { ecs } = fakeEcs({ running: template('repo/app:1') });
    const codedeploy = fakeCodeDeploy({
      script: [
        { status: 'InProgress', events: upTo(6), traffic: [100, 0] },
        { status: 'InProgress', events: upTo(8), traffic: [0, 100] },
      ],
    });
    const { outputs, error, deps, report } = await run(config({ timeoutMs: 60_000 }), ecs, codedeploy);
    expect(error).toBeUndefined();
    expect(codedeploy.ops()).not.toContain('StopDeployment');
    expect(outputs).toMatchObject({ deployed: true, 'deployment-id': 'd-NEW', status: 'InProgress' });
    expect(report.record?.finishingTermination).toBe(true);
    expect(deps.logger.text()).toMatch(
      /timeout-minutes \(1m\) reached during the blue termination wait: .* already serves all production traffic, so the deployment is not stopped/,
    );
    // The post step must not stop it either.
    expect(deps.state.get(STATE.finished)).toBe('true');
    expect(deps.clock.time - 1_000_000).toBeLessThanOrEqual(60_000);
  });

  test('Skipped lifecycle events count as done: the termination wait is announced and a timeout in it stops nothing', async () => {
    const HOOKS = ['BeforeInstall', 'AfterInstall', 'AfterAllowTestTraffic', 'BeforeAllowTraffic', 'AfterAllowTraffic'];
    const skipped = EVENTS.map(([name]): [string, string] => [name, HOOKS.includes(name) ? 'Skipped' : 'Succeeded']);
    const { ecs } = fakeEcs({ running: template('repo/app:1') });
    const codedeploy = fakeCodeDeploy({
      script: [
        { status: 'InProgress', events: upTo(6), traffic: [100, 0] },
        { status: 'InProgress', events: skipped, traffic: [0, 100] },
      ],
    });
    const { outputs, error, deps } = await run(config({ timeoutMs: 60_000 }), ecs, codedeploy);
    expect(error).toBeUndefined();
    expect(codedeploy.ops()).not.toContain('StopDeployment');
    expect(outputs).toMatchObject({ deployed: true, status: 'InProgress' });
    expect(deps.logger.text()).toMatch(/Production traffic is on green/);
    expect(deps.logger.text()).toMatch(/AfterAllowTraffic: Skipped/);
    expect(deps.state.get(STATE.finished)).toBe('true');
  });

  test('a status this code does not know: keeps watching, says so once, and ends with the deployment', async () => {
    const { ecs } = fakeEcs({ running: template('repo/app:1') });
    const odd: [string, string][] = EVENTS.map(([name], i) => [name, i === 0 ? 'Unknown' : 'Pending']);
    const codedeploy = fakeCodeDeploy({
      script: [
        { status: 'Paused', events: odd },
        { status: 'Paused', events: odd },
        { status: 'Succeeded', events: upTo(8), traffic: [0, 100] },
      ],
      answersNewerThanModel: true,
    });
    const { outputs, error, deps } = await run(config(), ecs, codedeploy);
    expect(error).toBeUndefined();
    expect(outputs).toMatchObject({ deployed: true, status: 'Succeeded' });
    const warnings = deps.logger.lines.filter((l) => l.startsWith('warning: Deployment d-NEW: unknown'));
    expect(warnings).toEqual([
      "warning: Deployment d-NEW: unknown deployment status 'Paused'; this action keeps watching until the deployment ends.",
      "warning: Deployment d-NEW: unknown BeforeInstall status 'Unknown'; this action keeps watching until the deployment ends.",
    ]);
  });

  test('an error while watching says the deployment goes on without the action, with its console link', async () => {
    const { ecs } = fakeEcs({ running: template('repo/app:1') });
    const codedeploy = fakeCodeDeploy({ script: [{ status: 'InProgress', events: upTo(2) }] });
    codedeploy.handlers.GetDeploymentTarget = () => {
      throw awsError('AccessDeniedException', 'not authorized to perform: codedeploy:GetDeploymentTarget');
    };
    const { error, deps } = await run(config(), ecs, codedeploy);
    expect(error).toBeInstanceOf(ActionFailure);
    expect(error!.message).toMatch(
      /^Deployment d-NEW is still InProgress and continues without this action: https:\/\/eu-west-1\.console\.aws\.amazon\.com\/codesuite\/codedeploy\/deployments\/d-NEW\?region=eu-west-1\n/,
    );
    expect(error!.message).toMatch(/AccessDeniedException: not authorized/);
    expect(codedeploy.ops()).not.toContain('StopDeployment');
    // Left running on purpose: the post step (which runs after every job) must not stop it.
    expect(deps.state.get(STATE.finished)).toBe('true');
  });

  test('cancellation: StopDeployment with rollback at once, a rollback wait within 5 s, then fail', async () => {
    const { ecs } = fakeEcs({ running: template('repo/app:1') });
    const codedeploy = fakeCodeDeploy({ script: [{ status: 'InProgress', events: upTo(2) }] });
    const deps = fakeDeps(ecs, codedeploy);
    deps.clock.onSleep = (n) => {
      if (n === 3) deps.controller.abort(new (class extends Error {})('received SIGTERM'));
    };
    const { error } = await run(config(), ecs, codedeploy, deps);
    expect(error).toBeInstanceOf(ActionFailure);
    expect(error!.message).toMatch(
      /^Cancelled: received SIGTERM while deployment d-NEW was InProgress\. Stopped deployment d-NEW with rollback/,
    );
    expect(codedeploy.inputsOf('StopDeployment')).toEqual([{ deploymentId: 'd-NEW', autoRollbackEnabled: true }]);
    // The StopDeployment came right after the signal, before any other call.
    const ops = codedeploy.ops();
    expect(ops[ops.indexOf('StopDeployment') - 1]).toBe('GetDeploymentTarget');
    const afterStop = deps.clock.sleeps.slice(3);
    expect(afterStop.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(5000);
    expect(deps.state.get(STATE.finished)).toBe('true');
  });

  test('cancellation under a hanging API: StopDeployment is retried once and the whole cancel path ends within the 5 s budget', async () => {
    const { ecs } = fakeEcs({ running: template('repo/app:1') });
    const codedeploy = fakeCodeDeploy({ script: [{ status: 'InProgress', events: upTo(2) }] });
    const deps = fakeDeps(ecs, codedeploy);
    // Real time: the bounds are real abort timers, as in the runner.
    Object.assign(deps, { clock: systemClock });
    let signalledAt = 0;
    const getTarget = codedeploy.handlers.GetDeploymentTarget!;
    codedeploy.handlers.GetDeploymentTarget = (input) => {
      if (codedeploy.inputsOf('GetDeploymentTarget').length === 2) {
        signalledAt = Date.now();
        deps.controller.abort(new Error('received SIGTERM'));
      }
      return getTarget(input);
    };
    // The first StopDeployment never answers (throttled and retried by the SDK); the second does.
    const stop = codedeploy.handlers.StopDeployment!;
    codedeploy.handlers.StopDeployment = (input) =>
      codedeploy.inputsOf('StopDeployment').length === 1 ? new Promise(() => undefined) : stop(input);
    // After the stop, GetDeployment never answers either.
    const get = codedeploy.handlers.GetDeployment!;
    codedeploy.handlers.GetDeployment = (input) =>
      codedeploy.ops().includes('StopDeployment') ? new Promise(() => undefined) : get(input);

    const { error } = await run(config({ pollIntervalMs: 50 }), ecs, codedeploy, deps);
    const took = Date.now() - signalledAt;
    expect(error).toBeInstanceOf(ActionFailure);
    expect(error!.message).toMatch(/Stopped deployment d-NEW with rollback/);
    expect(codedeploy.inputsOf('StopDeployment')).toHaveLength(2);
    expect(took).toBeLessThan(CANCEL_BUDGET_MS + 500);
  }, 10_000);

  test('cancellation with rollback-on-cancel false leaves the deployment running', async () => {
    const { ecs } = fakeEcs({ running: template('repo/app:1') });
    const codedeploy = fakeCodeDeploy({ script: [{ status: 'InProgress' }] });
    const deps = fakeDeps(ecs, codedeploy);
    deps.clock.onSleep = () => deps.controller.abort(new Error('received SIGINT'));
    const { error } = await run(config({ rollbackOnCancel: false }), ecs, codedeploy, deps);
    expect(error!.message).toMatch(/rollback-on-cancel is false/);
    expect(codedeploy.ops()).not.toContain('StopDeployment');
  });
});

describe('on-active-deployment', () => {
  test('fail: names the active deployment, registers and creates nothing', async () => {
    const { ecs } = fakeEcs({ running: template('repo/app:1') });
    const codedeploy = fakeCodeDeploy({ active: ['d-OLD'] });
    const { error } = await run(config({ onActiveDeployment: 'fail' }), ecs, codedeploy);
    expect(error).toBeInstanceOf(ActionFailure);
    expect(error!.message).toMatch(/Deployment d-OLD is already active in deployment group web-app\/web-dg/);
    expect([...ecs.ops(), ...codedeploy.ops()].filter((op) => MUTATING.includes(op))).toEqual([]);
  });

  test('wait: waits until the active deployment ends, then deploys', async () => {
    const { ecs } = fakeEcs({ running: template('repo/app:1') });
    const codedeploy = fakeCodeDeploy({ active: ['d-OLD'], others: (_id, n) => (n < 3 ? 'InProgress' : 'Succeeded') });
    // The fake lists d-OLD as active until a GetDeployment of it reports it ended.
    const list = codedeploy.handlers.ListDeployments!;
    codedeploy.handlers.ListDeployments = (input) => {
      codedeploy.handlers.GetDeployment!({ deploymentId: 'd-OLD' });
      return list(input);
    };
    const { outputs, deps } = await run(config({ onActiveDeployment: 'wait' }), ecs, codedeploy);
    expect(outputs?.deployed).toBe(true);
    expect(codedeploy.ops()).not.toContain('StopDeployment');
    expect(deps.logger.text()).toMatch(/Waiting for active deployment d-OLD to finish/);
    expect(codedeploy.ops().filter((o) => o === 'ListDeployments').length).toBeGreaterThanOrEqual(3);
  });

  /** d-OLD deploys `image` as revision 2 and ends at its third look; the service then runs it. */
  function activeDeploys(image: string) {
    const { ecs, registry } = fakeEcs({ running: template('repo/app:1') });
    registry.push(described(template(image), 2));
    let ended = false;
    const codedeploy = fakeCodeDeploy({
      active: ['d-OLD'],
      others: (_id, n) => {
        ended = n >= 3;
        return ended ? 'Succeeded' : 'InProgress';
      },
    });
    const list = codedeploy.handlers.ListDeployments!;
    codedeploy.handlers.ListDeployments = (input) => {
      codedeploy.handlers.GetDeployment!({ deploymentId: 'd-OLD' });
      return list(input);
    };
    const describe = ecs.handlers.DescribeServices!;
    ecs.handlers.DescribeServices = (input) => {
      const answer = describe(input) as { services: { taskSets: { status: string; taskDefinition: string }[] }[] };
      const primary = answer.services[0]!.taskSets.find((t) => t.status === 'PRIMARY')!;
      if (ended) primary.taskDefinition = tdArn('app', 2);
      return answer;
    };
    return { ecs, codedeploy };
  }

  test('wait: the active deployment deployed the desired definition: read again, nothing to do', async () => {
    const { ecs, codedeploy } = activeDeploys('repo/app:2');
    const { outputs, report } = await run(config({ onActiveDeployment: 'wait' }), ecs, codedeploy);
    expect(outputs).toMatchObject({ deployed: false, status: 'unchanged', 'task-definition-arn': tdArn('app', 2) });
    expect([...ecs.ops(), ...codedeploy.ops()].filter((op) => MUTATING.includes(op))).toEqual([]);
    expect(report.diff).toEqual([]);
  });

  test('wait: the diff is against what runs after the active deployment, not before', async () => {
    const { ecs, codedeploy } = activeDeploys('repo/app:3');
    const { outputs, report, deps } = await run(config({ onActiveDeployment: 'wait' }), ecs, codedeploy);
    expect(outputs?.deployed).toBe(true);
    expect(report.runningTaskDefinitionArn).toBe(tdArn('app', 2));
    expect(report.diff).toEqual(['~ containerDefinitions[app].image: "repo/app:3" -> "repo/app:2"']);
    expect(deps.logger.text()).toContain('Task definition changes (after the active deployment ended)');
  });

  test('stop: stops the active deployment with rollback, then deploys', async () => {
    const { ecs } = fakeEcs({ running: template('repo/app:1') });
    const codedeploy = fakeCodeDeploy({ active: ['d-OLD'] });
    const { outputs } = await run(config({ onActiveDeployment: 'stop' }), ecs, codedeploy);
    expect(outputs?.deployed).toBe(true);
    expect(codedeploy.inputsOf('StopDeployment')[0]).toEqual({ deploymentId: 'd-OLD', autoRollbackEnabled: true });
    expect(codedeploy.ops().indexOf('StopDeployment')).toBeLessThan(codedeploy.ops().indexOf('CreateDeployment'));
  });

  test('stop: the rollback the stop started is waited for, never stopped, and completes before the new deployment', async () => {
    const { ecs } = fakeEcs({ running: template('repo/app:1') });
    const codedeploy = fakeCodeDeploy({
      active: ['d-OLD'],
      rollbackOnStop: true,
      others: (id, n) => (id === 'd-OLD-RB' && n < 4 ? 'InProgress' : 'Succeeded'),
    });
    // The fake lists the rollback as active until a GetDeployment of it reports it ended.
    const list = codedeploy.handlers.ListDeployments!;
    let rollbackStatus = '';
    codedeploy.handlers.ListDeployments = (input) => {
      const listed = list(input) as { deployments: string[] };
      if (listed.deployments.includes('d-OLD-RB')) {
        const answer = codedeploy.handlers.GetDeployment!({ deploymentId: 'd-OLD-RB' }) as {
          deploymentInfo: { status: string };
        };
        rollbackStatus = answer.deploymentInfo.status;
      }
      return list(input);
    };
    const { outputs, deps } = await run(config({ onActiveDeployment: 'stop' }), ecs, codedeploy);
    expect(outputs?.deployed).toBe(true);
    expect(codedeploy.inputsOf('StopDeployment').map((i) => i.deploymentId)).toEqual(['d-OLD']);
    expect(rollbackStatus).toBe('Succeeded');
    expect(deps.logger.text()).toMatch(/Waiting for rollback deployment d-OLD-RB/);
    expect(codedeploy.ops().lastIndexOf('ListDeployments')).toBeLessThan(codedeploy.ops().indexOf('CreateDeployment'));
  });
});

describe('test-traffic gate', () => {
  const ready: Step[] = [
    { status: 'InProgress', events: upTo(4) },
    { status: 'Ready', events: upTo(5), traffic: [100, 0] },
    { status: 'InProgress', events: upTo(6), traffic: [100, 0] },
    { status: 'Succeeded', events: upTo(8), traffic: [0, 100] },
  ];

  test('checks pass: ContinueDeployment READY_WAIT once', async () => {
    const { ecs } = fakeEcs({ running: template('repo/app:1') });
    const codedeploy = fakeCodeDeploy({ script: ready, readyOption: 'STOP_DEPLOYMENT' });
    const checked: string[] = [];
    const deps = fakeDeps(ecs, codedeploy, (url) => {
      checked.push(url);
      return { passed: true, message: '5/5 requests met the expectations' };
    });
    const { outputs } = await run(config({ testUrl: 'http://127.0.0.1:9/' }), ecs, codedeploy, deps);
    expect(outputs?.deployed).toBe(true);
    expect(checked).toEqual(['http://127.0.0.1:9/']);
    expect(codedeploy.inputsOf('ContinueDeployment')).toEqual([
      { deploymentId: 'd-NEW', deploymentWaitType: 'READY_WAIT' },
    ]);
  });

  test('checks fail: StopDeployment with rollback and an error with the check failure', async () => {
    const { ecs } = fakeEcs({ running: template('repo/app:1') });
    const codedeploy = fakeCodeDeploy({ script: ready, readyOption: 'STOP_DEPLOYMENT' });
    const deps = fakeDeps(ecs, codedeploy, () => ({ passed: false, message: 'status: expected 200, got 500' }));
    const { error } = await run(config({ testUrl: 'http://127.0.0.1:9/' }), ecs, codedeploy, deps);
    expect(error!.message).toMatch(
      /Test traffic checks against http:\/\/127.0.0.1:9\/ failed: status: expected 200, got 500/,
    );
    expect(codedeploy.inputsOf('StopDeployment')).toEqual([{ deploymentId: 'd-NEW', autoRollbackEnabled: true }]);
    expect(codedeploy.ops()).not.toContain('ContinueDeployment');
  });
});

describe('service discovery errors', () => {
  test('a missing service names the service and the cluster, and the MISSING reason', async () => {
    const { ecs } = fakeEcs({ missing: true });
    const { error } = await run(config(), ecs, fakeCodeDeploy({}));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error!.message).toMatch(/Input 'service' has the value "web".*in cluster 'main'.*MISSING/);
  });

  test('an unknown cluster names the cluster input', async () => {
    const { ecs } = fakeEcs({});
    const { error } = await run(config({ cluster: 'nope' }), ecs, fakeCodeDeploy({}));
    expect(error!.message).toMatch(/Input 'cluster' has the value "nope"/);
  });

  test('a DRAINING service is refused', async () => {
    const { ecs } = fakeEcs({ running: template(), serviceStatus: 'DRAINING' });
    const { error } = await run(config(), ecs, fakeCodeDeploy({}));
    expect(error!.message).toMatch(/status is DRAINING/);
  });

  test('an absent container is refused before any change', async () => {
    const { ecs } = fakeEcs({ running: template() });
    const codedeploy = fakeCodeDeploy({});
    const { error } = await run(config({ containerName: 'web' }), ecs, codedeploy);
    expect(error!.message).toMatch(/Input 'container-name'.*containers are: 'app'/);
    expect([...ecs.ops(), ...codedeploy.ops()]).toEqual(['DescribeServices', 'DescribeTaskDefinition']);
  });
});

describe('task definition lookups', () => {
  const denied = () => {
    throw awsError('ClientException', 'User is not authorized to perform ecs:DescribeTaskDefinition on this resource.');
  };

  test('a permission problem reading the running definition is an error, not "no definition"', async () => {
    const { ecs } = fakeEcs({ running: template('repo/app:1') });
    ecs.handlers.DescribeTaskDefinition = denied;
    const codedeploy = fakeCodeDeploy({});
    const { error } = await run(config({ template: { path: 't.json', definition: template() } }), ecs, codedeploy);
    expect(error?.message).toMatch(/task definition \S+app:1 failed: ClientException: User is not authorized/);
    expect([...ecs.ops(), ...codedeploy.ops()].filter((op) => MUTATING.includes(op))).toEqual([]);
  });

  test("register-only: only ECS's 'Unable to describe task definition' means the family has no revision", async () => {
    const { ecs } = fakeEcs({});
    ecs.handlers.DescribeTaskDefinition = denied;
    const codedeploy = fakeCodeDeploy({});
    const cfg = registerOnlyConfig({ template: { path: 't.json', definition: template() } });
    const { error } = await run(cfg, ecs, codedeploy);
    expect(error?.message).toMatch(/User is not authorized/);
    expect(ecs.ops()).not.toContain('RegisterTaskDefinition');
  });
});

describe('register-only', () => {
  test('registers the first time, then reuses the equal latest revision; no service needed', async () => {
    const { ecs } = fakeEcs({ missing: true });
    const cfg = registerOnlyConfig();
    const first = await run(cfg, ecs, fakeCodeDeploy({}));
    expect(first.outputs).toMatchObject({
      'task-definition-arn': tdArn('app', 1),
      'task-definition-changed': true,
      deployed: false,
    });
    ecs.calls.length = 0;
    const second = await run(cfg, ecs, fakeCodeDeploy({}));
    expect(second.outputs).toMatchObject({
      'task-definition-arn': tdArn('app', 1),
      'task-definition-changed': false,
      status: 'unchanged',
    });
    expect(ecs.ops()).toEqual(['DescribeTaskDefinition']);
  });
});
