import { MemoryLogger } from '../../../lib/log.js';
import { Summary } from '../../../lib/summary.js';
import { stopLeftoverDeployment } from './cleanup.js';
import type { DeployReport } from './deploy.js';
import { FakeAws, tdArn } from './fakes.test-helpers.js';
import {
  awslogsOf,
  consoleLinks,
  deployVerdict,
  logStreamUrl,
  spokenSeconds,
  trafficBar,
  writeReport,
} from './report.js';
import { expectedPhases } from './timeline.js';

const report = (): DeployReport => ({
  cluster: 'main',
  service: 'web',
  region: 'eu-west-1',
  image: 'repo/app:2',
  runningTaskDefinitionArn: tdArn('app', 1),
  taskDefinitionArn: tdArn('app', 2),
  registered: true,
  diff: ['~ containerDefinitions[app].image: "repo/app:1" -> "repo/app:2"'],
  record: {
    kind: 'codedeploy',
    id: 'd-ABC',
    status: 'Succeeded',
    startTime: new Date('2026-11-21T23:00:00Z'),
    lifecycle: [
      {
        name: 'Install',
        status: 'Succeeded',
        startTime: new Date('2026-11-21T23:00:01Z'),
        endTime: new Date('2026-11-21T23:00:31Z'),
      },
    ],
    traffic: [
      { time: new Date('2026-11-21T23:01:00Z'), blue: 90, green: 10 },
      { time: new Date('2026-11-21T23:02:00Z'), blue: 0, green: 100 },
    ],
  },
  outputs: {
    'task-definition-arn': tdArn('app', 2),
    'task-definition-changed': true,
    deployed: true,
    'deployment-id': 'd-ABC',
    status: 'Succeeded',
  },
});

describe('job summary', () => {
  test('has the outputs, the lifecycle table with times, traffic progress, the folded diff and links', () => {
    const summary = new Summary();
    writeReport(summary, report());
    const md = summary.toMarkdown();
    expect(md).toContain('| Event | Status | Start | End | Duration |');
    expect(md).toContain('| Install | Succeeded | 23:00:01 | 23:00:31 | 30s |');
    expect(md).toContain(`| 23:01:00 | 90% | 10% | ${trafficBar(10)} |`);
    expect(md).toMatch(/<details><summary>Task definition changes \(1\) from app:1<\/summary>/);
    expect(md).toContain('| deployment-id | d-ABC |');
    expect(md).toContain('codesuite/codedeploy/deployments/d-ABC?region=eu-west-1');
    expect(md).toContain('ecs/v2/clusters/main/services/web/deployments?region=eu-west-1');
  });

  test('the timeline sets each phase’s expected time beside its actual one, with the totals', () => {
    const r = report();
    r.record!.endTime = new Date('2026-11-21T23:02:10Z');
    r.timeline = expectedPhases({
      controller: 'CODE_DEPLOY',
      shift: { kind: 'all-at-once' },
      terminationWaitMinutes: 1,
      targetGroup: { healthCheckIntervalSeconds: 5, deregistrationDelaySeconds: 30 },
    });
    const summary = new Summary();
    writeReport(summary, r);
    const md = summary.toMarkdown();
    expect(md).toContain('<details><summary>Timeline: expected and actual</summary>');
    expect(md).toContain('| Phase | Expected | Actual |');
    expect(md).toContain('| Install | 45 s (40 s start + one check within 5 s) | 30 s |');
    expect(md).toContain('| AllowTraffic | 5 s (all at once) | not reached |');
    expect(md).toContain('| **Total** | **2 min 36 s** | **2 min 10 s** |');
    // Without the target group's settings the phases they time say unknown.
    r.timeline = expectedPhases({ controller: 'CODE_DEPLOY', terminationWaitMinutes: 1 });
    const unknown = new Summary();
    writeReport(unknown, r);
    expect(unknown.toMarkdown()).toContain('| Install | unknown (target group not read) | 30 s |');
    expect(unknown.toMarkdown()).toContain('| **Total** | **unknown** | **2 min 10 s** |');
  });

  test('speaks AWS seconds as minutes and seconds', () => {
    expect([spokenSeconds(45), spokenSeconds(346), spokenSeconds(undefined)]).toEqual([
      '45 s',
      '5 min 46 s',
      'unknown',
    ]);
  });

  test('the title and the verdict come first: what serves, how and how long', () => {
    const r = report();
    r.record!.strategy = 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes';
    r.record!.endTime = new Date('2026-11-21T23:10:12Z');
    const md = new Summary('deploy-bluegreen');
    writeReport(md, r);
    expect(md.toMarkdown()).toMatch(
      /^### deploy-bluegreen: main\/web\n\n✅ app:2 serves 100% \(linear, 10 min 12 s\)\n/,
    );
  });

  test('unchanged reads as unchanged, not as a deployment', () => {
    const r: DeployReport = {
      cluster: 'main',
      service: 'web',
      region: 'eu-west-1',
      taskDefinitionArn: tdArn('app', 3),
      outputs: {
        'task-definition-arn': tdArn('app', 3),
        'task-definition-changed': false,
        deployed: false,
        'deployment-id': '',
        status: 'unchanged',
      },
    };
    expect(deployVerdict(r)).toEqual(['unchanged', 'unchanged: app:3 already serves']);
  });

  test('a failure says where, why, that it rolled back and what serves; the rollback sentence once', () => {
    const r = report();
    delete r.outputs;
    r.record!.status = 'Failed';
    r.record!.lifecycle = [
      { name: 'BeforeInstall', status: 'Skipped' },
      { name: 'Install', status: 'Failed' },
    ];
    r.record!.rollbackId = 'd-RB';
    r.record!.rollbackStatus = 'Succeeded';
    r.record!.stoppedTasks = [
      { id: 'a1', reason: 'Task failed container health checks' },
      { id: 'b2', reason: 'Task failed container health checks' },
      { id: 'c3', reason: 'Scaling activity initiated by (deployment ecs-svc/1)' },
      { id: 'd4', reason: 'Scaling activity initiated by (deployment ecs-svc/1)' },
      { id: 'e5', reason: 'Scaling activity initiated by (deployment ecs-svc/1)' },
    ];
    r.logs = { group: '/ecs/app', region: 'eu-west-1', streamPrefix: 'ecs', container: 'app' };
    const failure = 'Deployment d-ABC Failed in lifecycle event Install.\nRollback deployment d-RB: Succeeded.';
    expect(deployVerdict(r, failure)).toEqual([
      'failure',
      'failed at Install: 2 tasks stopped: Task failed container health checks — rolled back, app:1 still serves',
    ]);
    const summary = new Summary();
    writeReport(summary, r, failure);
    const md = summary.toMarkdown();
    expect(md.match(/rolled back|Rollback deployment d-RB:/gi)).toHaveLength(2); // the verdict, and the folded details
    expect(md).toContain('Skipped (no hook to run): BeforeInstall.');
    expect(md).not.toContain('| BeforeInstall |');
    expect(md).toContain(
      '[Logs of stopped task a1](https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Fecs$252Fapp/log-events/ecs$252Fapp$252Fa1)',
    );
    expect(md).toContain('services/web/events?region=eu-west-1');
  });

  test('cancel and timeout have their own verdicts', () => {
    const r = report();
    delete r.outputs;
    r.record!.rollbackStatus = 'Succeeded';
    r.record!.stoppedBecause = 'Cancelled: received SIGTERM while deployment d-ABC was InProgress';
    expect(deployVerdict(r, 'x')).toEqual([
      'cancelled',
      'cancelled while deploying app:2 — rolled back, app:1 still serves',
    ]);
    r.record!.stoppedBecause = 'Timed out: timeout-minutes (6s) reached while the deployment was InProgress';
    expect(deployVerdict(r, 'x')).toEqual([
      'timeout',
      'timed out after 6s deploying app:2 — rolled back, app:1 still serves',
    ]);
    r.record!.rollbackStatus = 'InProgress';
    expect(deployVerdict(r, 'x')[1]).toBe(
      'timed out after 6s deploying app:2 — rollback InProgress — check the service',
    );
  });

  test('a log link needs the awslogs stream prefix; without it the link goes to the group', () => {
    expect(logStreamUrl('eu-west-1', { group: 'g', container: 'app' }, 'abc')).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/g',
    );
    expect(
      awslogsOf(
        {
          containerDefinitions: [
            { name: 'app', logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/x' } } },
          ],
        },
        'app',
      ),
    ).toEqual({ group: '/ecs/x', region: undefined, streamPrefix: undefined, container: 'app' });
  });

  test('traffic bar and links', () => {
    expect(trafficBar(0)).toBe('▱'.repeat(20));
    expect(trafficBar(50)).toBe('▰'.repeat(10) + '▱'.repeat(10));
    expect(consoleLinks(report()).some((l) => l.includes('task-definitions/app/2'))).toBe(true);
  });
});

describe('post step: stopLeftoverDeployment', () => {
  const codedeploy = (status: string) =>
    new FakeAws({
      GetDeployment: () => ({ deploymentInfo: { status } }),
      StopDeployment: () => ({}),
    });

  test('stops a CodeDeploy deployment the main step left active, with rollback', async () => {
    const cd = codedeploy('InProgress');
    const line = await stopLeftoverDeployment(
      { kind: 'codedeploy', id: 'd-1', finished: 'false' },
      { ecs: new FakeAws().client as never, codedeploy: cd.client as never },
      new MemoryLogger(),
    );
    expect(cd.inputsOf('StopDeployment')).toEqual([{ deploymentId: 'd-1', autoRollbackEnabled: true }]);
    expect(line).toMatch(/Stopped deployment d-1 with rollback/);
  });

  test('a hanging StopDeployment is abandoned after its bound and tried once more, never hanging the post step', async () => {
    const cd: FakeAws = new FakeAws({
      GetDeployment: () => ({ deploymentInfo: { status: 'InProgress' } }),
      StopDeployment: () => (cd.inputsOf('StopDeployment').length === 1 ? new Promise(() => undefined) : {}),
    });
    const started = Date.now();
    const line = await stopLeftoverDeployment(
      { kind: 'codedeploy', id: 'd-1', finished: 'false' },
      { ecs: new FakeAws().client as never, codedeploy: cd.client as never },
      new MemoryLogger(),
    );
    expect(line).toMatch(/Stopped deployment d-1 with rollback/);
    expect(cd.inputsOf('StopDeployment')).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(3000);
  }, 10_000);

  test('a hanging DescribeServiceDeployments fails the post step after its bound instead of hanging', async () => {
    const ecs = new FakeAws({ DescribeServiceDeployments: () => new Promise(() => undefined) });
    const started = Date.now();
    const outcome = await stopLeftoverDeployment(
      { kind: 'ecs', id: 'arn:sd', finished: 'false' },
      { ecs: ecs.client as never, codedeploy: new FakeAws().client as never },
      new MemoryLogger(),
    ).catch((error: Error) => error);
    expect(outcome).toBeInstanceOf(Error);
    expect(Date.now() - started).toBeLessThan(3000);
  }, 10_000);

  test('does nothing when the deployment ended, was finished by the main step, or rollback-on-cancel is false', async () => {
    const cd = codedeploy('Succeeded');
    const clients = { ecs: new FakeAws().client as never, codedeploy: cd.client as never };
    expect(await stopLeftoverDeployment({ kind: 'codedeploy', id: 'd-1' }, clients, new MemoryLogger())).toMatch(
      /is Succeeded: nothing to stop/,
    );
    expect(await stopLeftoverDeployment({ id: 'd-1', finished: 'true' }, clients, new MemoryLogger())).toMatch(
      /nothing to do/,
    );
    expect(await stopLeftoverDeployment({ id: 'd-1', rollbackOnCancel: 'false' }, clients, new MemoryLogger())).toMatch(
      /left alone/,
    );
    expect(cd.ops()).not.toContain('StopDeployment');
  });

  test("retries a stop the main step's timeout could not make, even with rollback-on-cancel false", async () => {
    const cd = new FakeAws({
      GetDeployment: () => ({ deploymentInfo: { status: 'InProgress' } }),
      StopDeployment: () => ({}),
    });
    const line = await stopLeftoverDeployment(
      { kind: 'codedeploy', id: 'd-1', finished: 'false', rollbackOnCancel: 'false', stopFailed: 'true' },
      { ecs: new FakeAws().client as never, codedeploy: cd.client as never },
      new MemoryLogger(),
    );
    expect(line).toBe('Stopped deployment d-1 with rollback (the main step did not see it finish).');
    expect(cd.inputsOf('StopDeployment')).toEqual([{ deploymentId: 'd-1', autoRollbackEnabled: true }]);
  });

  test('stops an ECS service deployment still in progress with ROLLBACK', async () => {
    const ecs = new FakeAws({
      DescribeServiceDeployments: () => ({ serviceDeployments: [{ status: 'IN_PROGRESS' }] }),
      StopServiceDeployment: () => ({}),
    });
    await stopLeftoverDeployment(
      { kind: 'ecs', id: 'arn:sd' },
      { ecs: ecs.client as never, codedeploy: new FakeAws().client as never },
      new MemoryLogger(),
    );
    expect(ecs.inputsOf('StopServiceDeployment')).toEqual([{ serviceDeploymentArn: 'arn:sd', stopType: 'ROLLBACK' }]);
  });
});
