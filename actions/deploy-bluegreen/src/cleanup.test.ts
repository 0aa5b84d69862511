// The post step following the rollback it started: in the injected clock's time, within its budget.
import { describe, expect, test } from '@jest/globals';
import { followRollback } from './cleanup.js';
import { FakeAws, FakeClock } from './fakes.test-helpers.js';

const ecsAnswering = (statuses: string[]) => {
  let look = 0;
  return new FakeAws({
    DescribeServiceDeployments: () => ({
      serviceDeployments: [{ status: statuses[Math.min(look++, statuses.length - 1)] }],
    }),
  });
};

describe('post step: followRollback', () => {
  test('an ECS rollback that succeeds is reported done, looked at every 500 ms of the clock', async () => {
    const ecs = ecsAnswering(['ROLLBACK_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_SUCCESSFUL']);
    const clock = new FakeClock();
    const followed = await followRollback(
      { kind: 'ecs', id: 'arn:sd' },
      { ecs: ecs.client as never, codedeploy: new FakeAws().client as never },
      clock,
    );
    expect(followed).toEqual({ done: true, phrase: 'rolled back, the previous revision serves' });
    expect(clock.sleeps).toEqual([500, 500]);
  });

  test('a rollback still going when the budget runs out is reported as such, never waiting past the budget', async () => {
    const ecs = ecsAnswering(['ROLLBACK_IN_PROGRESS']);
    const clock = new FakeClock();
    const followed = await followRollback(
      { kind: 'ecs', id: 'arn:sd' },
      { ecs: ecs.client as never, codedeploy: new FakeAws().client as never },
      clock,
      1_200,
    );
    expect(followed).toEqual({
      done: false,
      phrase: 'still ROLLBACK_IN_PROGRESS — follow the rollback in the console',
    });
    expect(clock.sleeps).toEqual([500, 500, 200]);
    expect(ecs.ops()).toEqual(Array(4).fill('DescribeServiceDeployments'));
  });

  test('CodeDeploy: follows the rollback deployment the stopped one names until it succeeds', async () => {
    const codedeploy: FakeAws = new FakeAws({
      GetDeployment: ({ deploymentId }) =>
        deploymentId === 'd-1'
          ? { deploymentInfo: { status: 'Stopped', rollbackInfo: { rollbackDeploymentId: 'd-2' } } }
          : {
              deploymentInfo: { status: codedeploy.inputsOf('GetDeployment').length < 3 ? 'InProgress' : 'Succeeded' },
            },
    });
    const clock = new FakeClock();
    const followed = await followRollback(
      { kind: 'codedeploy', id: 'd-1' },
      { ecs: new FakeAws().client as never, codedeploy: codedeploy.client as never },
      clock,
    );
    expect(followed).toEqual({ done: true, phrase: 'rolled back (rollback deployment d-2 Succeeded)' });
    expect(codedeploy.inputsOf('GetDeployment')).toEqual([
      { deploymentId: 'd-1' },
      { deploymentId: 'd-2' },
      { deploymentId: 'd-2' },
    ]);
    expect(clock.sleeps).toEqual([500, 500]);
  });
});
