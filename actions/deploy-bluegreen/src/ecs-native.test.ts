import { systemClock } from '../../../lib/cancel.js';
import { ActionFailure } from '../../../lib/errors.js';
import { CANCEL_BUDGET_MS } from './codedeploy.js';
import { STATE } from './deps.js';
import { deployWithEcs, stagePosition, type EcsPlan } from './ecs-native.js';
import { awsError, fakeDeps, FakeAws, tdArn, type FakeOptions } from './fakes.test-helpers.js';

const ARN = 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/main/web/abc';

const plan = (over: Partial<EcsPlan> = {}): EcsPlan => ({
  cluster: 'main',
  service: 'web',
  strategy: 'BLUE_GREEN',
  taskDefinitionArn: tdArn('app', 2),
  previousTaskDefinitionArn: tdArn('app', 1),
  deadline: 1_000_000 + 60 * 60_000,
  timeoutMs: 60 * 60_000,
  pollIntervalMs: 5000,
  rollbackOnCancel: true,
  ...over,
});

type Look = {
  status: string;
  lifecycleStage?: string;
  green?: number;
  statusReason?: string;
  rollback?: boolean;
  hook?: { targetType: 'PAUSE' | 'AWS_LAMBDA'; status: string };
};
const HOOK_ID = 'ecs-pause-e7tK9G_WRJqNF_EOMjztDXfKenlJuEUVjsNStf4WLKw';

function nativeEcs(script: Look[], afterStop: Look = { status: 'ROLLBACK_SUCCESSFUL' }, options: FakeOptions = {}) {
  let step = -1;
  let stopped = false;
  const ecs: FakeAws = new FakeAws(
    {
      UpdateService: () => ({ service: {} }),
      ListServiceDeployments: () => ({
        serviceDeployments: [
          { serviceDeploymentArn: 'old', createdAt: new Date(0), status: 'SUCCESSFUL' },
          { serviceDeploymentArn: ARN, createdAt: new Date(1_000_000), status: 'PENDING' },
        ],
      }),
      DescribeServiceDeployments: () => {
        step++;
        const look = stopped ? afterStop : script[Math.min(step, script.length - 1)]!;
        return {
          serviceDeployments: [
            {
              serviceDeploymentArn: ARN,
              status: look.status,
              statusReason: look.statusReason,
              lifecycleStage: look.lifecycleStage,
              targetServiceRevision:
                look.green === undefined ? undefined : { requestedProductionTrafficWeight: look.green },
              sourceServiceRevisions:
                look.green === undefined ? [] : [{ requestedProductionTrafficWeight: 100 - look.green }],
              rollback: look.rollback ? { reason: 'Circuit breaker triggered' } : undefined,
              lifecycleHookDetails: look.hook
                ? [
                    {
                      hookId: look.hook.targetType === 'PAUSE' ? HOOK_ID : 'ecs-lambda-1',
                      targetType: look.hook.targetType,
                      targetArn:
                        look.hook.targetType === 'PAUSE' ? undefined : 'arn:aws:lambda:eu-west-1:1:function:check',
                      status: look.hook.status,
                      expiresAt: new Date('2030-01-01T00:00:00Z'),
                      timeoutAction: 'ROLLBACK',
                    },
                  ]
                : undefined,
            },
          ],
        };
      },
      StopServiceDeployment: () => {
        stopped = true;
        return { serviceDeploymentArn: ARN };
      },
      ContinueServiceDeployment: () => ({ serviceDeploymentArn: ARN }),
      ListTasks: () => ({ taskArns: [] }),
      DescribeServices: () => ({ services: [{ events: [{ message: '(service web) was unable to place a task' }] }] }),
    },
    options,
  );
  return ecs;
}

describe('ECS native blue/green', () => {
  test('cancelled right after UpdateService: the deployment it names is saved and stopped with ROLLBACK', async () => {
    const ecs = nativeEcs([{ status: 'PENDING' }]);
    const deps = fakeDeps(ecs, new FakeAws());
    ecs.handlers.UpdateService = () => {
      // The signal arrives while UpdateService is answering.
      deps.controller.abort(new Error('received SIGTERM'));
      return { service: { currentServiceDeployment: ARN } };
    };
    const error = await deployWithEcs(deps, plan()).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ActionFailure);
    expect((error as Error).message).toMatch(/Stopped it with ROLLBACK: it ended ROLLBACK_SUCCESSFUL/);
    expect(ecs.inputsOf('StopServiceDeployment')).toEqual([{ serviceDeploymentArn: ARN, stopType: 'ROLLBACK' }]);
    expect(ecs.ops()).not.toContain('ListServiceDeployments');
    expect(deps.state.get(STATE.id)).toBe(ARN);
  });

  test('logs each lifecycle stage once, by position, even when stages pass between polls', async () => {
    const ecs = nativeEcs([
      { status: 'PENDING' },
      { status: 'IN_PROGRESS', lifecycleStage: 'SCALE_UP' },
      { status: 'IN_PROGRESS', lifecycleStage: 'SCALE_UP' },
      { status: 'IN_PROGRESS', lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT', green: 0 },
      { status: 'IN_PROGRESS', lifecycleStage: 'BAKE_TIME', green: 100 },
      { status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP', green: 100 },
    ]);
    const deps = fakeDeps(ecs, new FakeAws());
    const record = await deployWithEcs(deps, plan());
    expect(ecs.inputsOf('UpdateService')).toEqual([
      { cluster: 'main', service: 'web', taskDefinition: tdArn('app', 2) },
    ]);
    expect(record.id).toBe(ARN);
    expect(record.lifecycle.map((r) => r.name)).toEqual([
      'SCALE_UP',
      'PRODUCTION_TRAFFIC_SHIFT',
      'BAKE_TIME',
      'CLEAN_UP',
    ]);
    expect(record.lifecycle.every((r) => r.status === 'Succeeded')).toBe(true);
    expect(deps.logger.lines.filter((l) => l.startsWith('Traffic:'))).toEqual([
      'Traffic: blue 100% | green 0%',
      'Traffic: blue 0% | green 100%',
    ]);
    expect(deps.state.get(STATE.kind)).toBe('ecs');
    expect(deps.state.get(STATE.finished)).toBe('true');
    expect(stagePosition('CLEAN_UP')).toBeGreaterThan(stagePosition('BAKE_TIME'));
  });

  test('a rolled back deployment fails with its reason and the service events', async () => {
    const ecs = nativeEcs([
      { status: 'IN_PROGRESS', lifecycleStage: 'SCALE_UP' },
      { status: 'ROLLBACK_IN_PROGRESS', lifecycleStage: 'RECONCILE_SERVICE', rollback: true },
      {
        status: 'ROLLBACK_SUCCESSFUL',
        lifecycleStage: 'CLEAN_UP',
        statusReason: 'tasks failed to start',
        rollback: true,
      },
    ]);
    const deps = fakeDeps(ecs, new FakeAws());
    const error = await deployWithEcs(deps, plan()).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ActionFailure);
    expect((error as Error).message).toMatch(
      /ended ROLLBACK_SUCCESSFUL in lifecycle stage CLEAN_UP: tasks failed to start/,
    );
    expect((error as Error).message).toMatch(/Rollback: Circuit breaker triggered/);
    expect((error as Error).message).toMatch(/unable to place a task/);
  });

  test('cancel under a hanging API: the stop is retried once and the cancel path ends within the 5 s budget', async () => {
    const ecs = nativeEcs([{ status: 'IN_PROGRESS', lifecycleStage: 'SCALE_UP' }]);
    const deps = fakeDeps(ecs, new FakeAws());
    Object.assign(deps, { clock: systemClock });
    let signalledAt = 0;
    const describe = ecs.handlers.DescribeServiceDeployments!;
    ecs.handlers.DescribeServiceDeployments = (input) => {
      if (ecs.ops().includes('StopServiceDeployment')) return new Promise(() => undefined);
      if (ecs.inputsOf('DescribeServiceDeployments').length === 2) {
        signalledAt = Date.now();
        deps.controller.abort(new Error('received SIGTERM'));
      }
      return describe(input);
    };
    const stop = ecs.handlers.StopServiceDeployment!;
    ecs.handlers.StopServiceDeployment = (input) =>
      ecs.inputsOf('StopServiceDeployment').length === 1 ? new Promise(() => undefined) : stop(input);
    const error = await deployWithEcs(deps, plan({ deadline: Date.now() + 60_000, pollIntervalMs: 50 })).catch(
      (e: Error) => e,
    );
    expect((error as Error).message).toMatch(/Stopped it with ROLLBACK/);
    expect(ecs.inputsOf('StopServiceDeployment')).toHaveLength(2);
    expect(Date.now() - signalledAt).toBeLessThan(CANCEL_BUDGET_MS + 500);
  }, 10_000);

  test('cancel: StopServiceDeployment ROLLBACK, waits for the rollback, fails saying so', async () => {
    const ecs = nativeEcs([{ status: 'IN_PROGRESS', lifecycleStage: 'SCALE_UP' }]);
    const deps = fakeDeps(ecs, new FakeAws());
    deps.clock.onSleep = (n) => {
      if (n === 2) deps.controller.abort(new Error('received SIGTERM'));
    };
    const error = await deployWithEcs(deps, plan()).catch((e: Error) => e);
    expect(ecs.inputsOf('StopServiceDeployment')).toEqual([{ serviceDeploymentArn: ARN, stopType: 'ROLLBACK' }]);
    expect((error as Error).message).toMatch(
      /^Cancelled: received SIGTERM while service deployment .* was IN_PROGRESS in SCALE_UP\. Stopped it with ROLLBACK: it ended ROLLBACK_SUCCESSFUL/,
    );
  });

  test('timeout: StopServiceDeployment ROLLBACK', async () => {
    const ecs = nativeEcs([{ status: 'IN_PROGRESS', lifecycleStage: 'BAKE_TIME' }]);
    const deps = fakeDeps(ecs, new FakeAws());
    const error = await deployWithEcs(deps, plan({ deadline: 1_000_000 + 60_000, timeoutMs: 60_000 })).catch(
      (e: Error) => e,
    );
    expect((error as Error).message).toMatch(/^Timed out: timeout-minutes \(1m\) reached/);
    expect(ecs.ops()).toContain('StopServiceDeployment');
  });

  test('timeout whose StopServiceDeployment is denied: says it still runs, and leaves it to the post step', async () => {
    const ecs = nativeEcs([{ status: 'IN_PROGRESS', lifecycleStage: 'BAKE_TIME' }]);
    ecs.handlers.StopServiceDeployment = () => {
      throw awsError('AccessDeniedException', 'not authorized to perform: ecs:StopServiceDeployment');
    };
    const deps = fakeDeps(ecs, new FakeAws());
    const error = await deployWithEcs(deps, plan({ deadline: 1_000_000 + 60_000, timeoutMs: 60_000 })).catch(
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(ActionFailure);
    expect((error as Error).message).toMatch(/AccessDeniedException/);
    expect((error as Error).message).toMatch(
      new RegExp(
        `service deployment ${ARN} is still running and was not rolled back; the post step tries to stop it again`,
      ),
    );
    expect((error as Error).message).toMatch(
      /https:\/\/eu-west-1\.console\.aws\.amazon\.com\/ecs\/v2\/clusters\/main\/services\/web\/deployments/,
    );
    expect(deps.state.get(STATE.finished)).toBe('false');
    expect(deps.state.get(STATE.stopFailed)).toBe('true');
  });

  test('a watch that breaks leaves the deployment running, and the post step alone', async () => {
    const ecs = nativeEcs([{ status: 'IN_PROGRESS', lifecycleStage: 'SCALE_UP' }]);
    ecs.handlers.DescribeServiceDeployments = () => {
      throw awsError('AccessDeniedException', 'not authorized to perform: ecs:DescribeServiceDeployments');
    };
    ecs.handlers.UpdateService = () => ({ service: { currentServiceDeployment: ARN } });
    const deps = fakeDeps(ecs, new FakeAws());
    const error = await deployWithEcs(deps, plan()).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/the deployment goes on without this action/);
    expect(ecs.ops()).not.toContain('StopServiceDeployment');
    expect(deps.state.get(STATE.finished)).toBe('true');
  });
});

describe('ECS native pause hooks and traffic steps', () => {
  const pausedAt = (stage: string): Look => ({
    status: 'IN_PROGRESS',
    lifecycleStage: stage,
    green: 0,
    hook: { targetType: 'PAUSE', status: 'AWAITING_ACTION' },
  });

  test('without test-url a paused hook fails at the first poll, naming the hook and how to continue by hand', async () => {
    const ecs = nativeEcs([pausedAt('POST_TEST_TRAFFIC_SHIFT')]);
    const deps = fakeDeps(ecs, new FakeAws());
    const error = await deployWithEcs(deps, plan({ strategy: 'LINEAR' })).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ActionFailure);
    const message = (error as Error).message;
    expect(message).toContain(`paused at pause hook ${HOOK_ID} at lifecycle stage POST_TEST_TRAFFIC_SHIFT`);
    expect(message).toContain(
      `aws ecs continue-service-deployment --region eu-west-1 --service-deployment-arn ${ARN} --hook-id ${HOOK_ID} --action CONTINUE`,
    );
    expect(message).toContain('/ecs/v2/clusters/main/services/web/deployments?region=eu-west-1');
    expect(message).toMatch(/test-url/);
    expect(ecs.inputsOf('DescribeServiceDeployments')).toHaveLength(1);
    expect(deps.clock.sleeps).toEqual([]);
    expect(ecs.ops()).not.toContain('StopServiceDeployment');
    expect(ecs.ops()).not.toContain('ContinueServiceDeployment');
    // Left to a person: the post step does not stop it.
    expect(deps.state.get(STATE.finished)).toBe('true');
  });

  test('with test-url the gate passes: ContinueServiceDeployment CONTINUE, once per hook, then the steps to the end', async () => {
    const ecs = nativeEcs([
      { status: 'IN_PROGRESS', lifecycleStage: 'SCALE_UP', green: 0 },
      pausedAt('POST_TEST_TRAFFIC_SHIFT'),
      { status: 'IN_PROGRESS', lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT', green: 2.5 },
      { status: 'IN_PROGRESS', lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT', green: 52.5 },
      { status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP', green: 100 },
    ]);
    const checked: string[] = [];
    const deps = fakeDeps(ecs, new FakeAws(), (url) => {
      checked.push(url);
      return { passed: true, message: '5/5 requests met the expectations' };
    });
    const record = await deployWithEcs(deps, plan({ strategy: 'CANARY', testUrl: 'http://test.example' }));
    expect(checked).toEqual(['http://test.example']);
    expect(ecs.inputsOf('ContinueServiceDeployment')).toEqual([
      { serviceDeploymentArn: ARN, hookId: HOOK_ID, action: 'CONTINUE' },
    ]);
    expect(record.status).toBe('SUCCESSFUL');
    expect(deps.logger.lines.filter((l) => l.startsWith('Traffic:'))).toEqual([
      'Traffic: blue 100% | green 0%',
      'Traffic: blue 97.5% | green 2.5%',
      'Traffic: blue 47.5% | green 52.5%',
      'Traffic: blue 0% | green 100%',
    ]);
    expect(record.traffic.map((t) => t.green)).toEqual([0, 2.5, 52.5, 100]);
  });

  test('with test-url a failing gate stops the deployment with ROLLBACK and fails with the gate message', async () => {
    const ecs = nativeEcs([pausedAt('POST_TEST_TRAFFIC_SHIFT')]);
    const deps = fakeDeps(ecs, new FakeAws(), () => ({ passed: false, message: '/health answered 500' }));
    const error = await deployWithEcs(deps, plan({ testUrl: 'http://test.example' })).catch((e: Error) => e);
    expect(ecs.inputsOf('StopServiceDeployment')).toEqual([{ serviceDeploymentArn: ARN, stopType: 'ROLLBACK' }]);
    expect(ecs.ops()).not.toContain('ContinueServiceDeployment');
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Test traffic checks against http://test.example failed at pause hook ${HOOK_ID} at lifecycle stage POST_TEST_TRAFFIC_SHIFT: /health answered 500\\. Stopped service deployment .* with ROLLBACK: it ended ROLLBACK_SUCCESSFUL`,
      ),
    );
  });

  test('a gate before the test traffic shift warns that it checks the running revision', async () => {
    const ecs = nativeEcs([pausedAt('PRE_SCALE_UP'), { status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP' }]);
    const deps = fakeDeps(ecs, new FakeAws(), () => ({ passed: true, message: 'ok' }));
    await deployWithEcs(deps, plan({ testUrl: 'http://test.example' }));
    expect(deps.logger.lines.join('\n')).toMatch(/At PRE_SCALE_UP the test listener still sends every request/);
  });

  test('a pause hook answered meanwhile (InvalidParameterException) is not an error', async () => {
    const ecs = nativeEcs([pausedAt('POST_TEST_TRAFFIC_SHIFT'), { status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP' }]);
    ecs.handlers.ContinueServiceDeployment = () => {
      throw Object.assign(new Error('The lifecycle hook is not awaiting action'), {
        name: 'InvalidParameterException',
      });
    };
    const deps = fakeDeps(ecs, new FakeAws(), () => ({ passed: true, message: 'ok' }));
    const record = await deployWithEcs(deps, plan({ testUrl: 'http://test.example' }));
    expect(record.status).toBe('SUCCESSFUL');
  });

  test('Lambda hooks are reported and watched, not answered', async () => {
    const lambda = (status: string): Look => ({
      status: 'IN_PROGRESS',
      lifecycleStage: 'POST_SCALE_UP',
      hook: { targetType: 'AWS_LAMBDA', status },
    });
    const ecs = nativeEcs([
      lambda('IN_PROGRESS'),
      lambda('IN_PROGRESS'),
      lambda('SUCCEEDED'),
      { status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP' },
    ]);
    const deps = fakeDeps(ecs, new FakeAws());
    await deployWithEcs(deps, plan());
    expect(deps.logger.lines.filter((l) => l.includes('Lifecycle hook'))).toEqual([
      '  Lifecycle hook arn:aws:lambda:eu-west-1:1:function:check (AWS_LAMBDA) at POST_SCALE_UP: IN_PROGRESS',
      '  Lifecycle hook arn:aws:lambda:eu-west-1:1:function:check (AWS_LAMBDA) at POST_SCALE_UP: SUCCEEDED',
    ]);
    expect(ecs.ops()).not.toContain('ContinueServiceDeployment');
  });

  test('a status or stage newer than this code is reported once and watched to the end', async () => {
    const ecs = nativeEcs(
      [
        { status: 'IN_PROGRESS', lifecycleStage: 'WARM_UP' },
        { status: 'QUEUED_FOR_APPROVAL', lifecycleStage: 'WARM_UP' },
        { status: 'QUEUED_FOR_APPROVAL', lifecycleStage: 'WARM_UP' },
        { status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP' },
      ],
      undefined,
      { answersNewerThanModel: true },
    );
    const deps = fakeDeps(ecs, new FakeAws());
    const record = await deployWithEcs(deps, plan());
    expect(record.status).toBe('SUCCESSFUL');
    const warnings = deps.logger.lines.filter((l) => l.includes('unknown to this action'));
    expect(warnings).toHaveLength(2);
    expect(warnings.join('\n')).toMatch(/lifecycle stage WARM_UP/);
    expect(warnings.join('\n')).toMatch(/status QUEUED_FOR_APPROVAL/);
  });
});

describe('ECS rolling', () => {
  const rolling = (
    looks: { taskDefinition: string; rolloutState?: string; running: number; count: number; reason?: string }[],
  ) => {
    let step = -1;
    return new FakeAws({
      UpdateService: () => ({}),
      DescribeServices: () => {
        step++;
        const look = looks[Math.min(step, looks.length - 1)]!;
        return {
          services: [
            {
              events: [],
              deployments: [
                {
                  id: 'ecs-svc/1',
                  status: 'PRIMARY',
                  taskDefinition: look.taskDefinition,
                  rolloutState: look.rolloutState,
                  rolloutStateReason: look.reason,
                  runningCount: look.running,
                  desiredCount: 2,
                },
                ...Array.from({ length: look.count - 1 }, () => ({ status: 'ACTIVE' })),
              ],
            },
          ],
        };
      },
      ListTasks: () => ({ taskArns: [] }),
    });
  };

  test('waits for one deployment, all tasks running, rollout COMPLETED', async () => {
    const ecs = rolling([
      { taskDefinition: tdArn('app', 2), rolloutState: 'IN_PROGRESS', running: 0, count: 2 },
      { taskDefinition: tdArn('app', 2), rolloutState: 'IN_PROGRESS', running: 2, count: 2 },
      { taskDefinition: tdArn('app', 2), rolloutState: 'COMPLETED', running: 2, count: 1 },
    ]);
    const deps = fakeDeps(ecs, new FakeAws());
    const record = await deployWithEcs(deps, plan({ strategy: 'ROLLING' }));
    expect(record.status).toBe('COMPLETED');
    expect(ecs.ops().filter((o) => o === 'DescribeServices')).toHaveLength(3);
  });

  test('fails when the circuit breaker rolled the service back', async () => {
    const ecs = rolling([
      { taskDefinition: tdArn('app', 2), rolloutState: 'IN_PROGRESS', running: 0, count: 2 },
      {
        taskDefinition: tdArn('app', 1),
        rolloutState: 'IN_PROGRESS',
        running: 1,
        count: 2,
        reason: 'ECS deployment circuit breaker: rolling back',
      },
    ]);
    const deps = fakeDeps(ecs, new FakeAws());
    const error = await deployWithEcs(deps, plan({ strategy: 'ROLLING' })).catch((e: Error) => e);
    expect((error as Error).message).toMatch(
      /circuit breaker rolled main\/web back to .*app:1: ECS deployment circuit breaker/,
    );
  });
});
