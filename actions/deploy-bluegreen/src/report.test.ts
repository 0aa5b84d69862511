import { MemoryLogger } from '../../../lib/log.js';
import { Summary } from '../../../lib/summary.js';
import { stopLeftoverDeployment } from './cleanup.js';
import type { DeployReport } from './deploy.js';
import { FakeAws, tdArn } from './fakes.test-helpers.js';
import { consoleLinks, trafficBar, writeReport } from './report.js';

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

  test('a failure shows its first line up front and the rest folded', () => {
    const summary = new Summary();
    writeReport(
      summary,
      report(),
      'Deployment d-ABC Failed in lifecycle event Install.\nStopped tasks:\n  - task 1: exit',
    );
    const md = summary.toMarkdown();
    expect(md).toContain('❌ **Failed.** Deployment d-ABC Failed in lifecycle event Install.');
    expect(md).toContain('<details><summary>Failure details</summary>');
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
