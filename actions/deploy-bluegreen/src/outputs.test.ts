import type { DeployReport } from './deploy.js';
import type { DeploymentRecord } from './deps.js';
import { deployOutputs, failureOutputs } from './outputs.js';

const ARN = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/app:3';
const record = (over: Partial<DeploymentRecord> = {}): DeploymentRecord => ({
  kind: 'ecs',
  id: 'd-1',
  lifecycle: [],
  traffic: [],
  startTime: new Date(0),
  ...over,
});

describe('deployOutputs', () => {
  test('unchanged and registered deploy nothing', () => {
    expect(deployOutputs({ kind: 'unchanged', taskDefinitionArn: ARN })).toEqual({
      'task-definition-arn': ARN,
      'task-definition-changed': false,
      deployed: false,
      'deployment-id': '',
      status: 'unchanged',
    });
    expect(deployOutputs({ kind: 'registered', taskDefinitionArn: ARN })).toMatchObject({
      'task-definition-changed': true,
      deployed: false,
      status: 'registered',
    });
  });

  test("CodeDeploy keeps the deployment's own status; ECS native says Succeeded once watched to the end", () => {
    const base = { kind: 'deployed', taskDefinitionArn: ARN, taskDefinitionChanged: true } as const;
    expect(
      deployOutputs({
        ...base,
        controller: 'CODE_DEPLOY',
        deployment: record({ kind: 'codedeploy', status: 'InProgress' }),
      }),
    ).toMatchObject({ deployed: true, 'deployment-id': 'd-1', status: 'InProgress' });
    expect(deployOutputs({ ...base, controller: 'ECS', deployment: record({ status: 'IN_PROGRESS' }) })).toMatchObject({
      deployed: true,
      status: 'Succeeded',
    });
  });

  test('a deployment not watched is not called deployed, and keeps where it stood', () => {
    const base = { kind: 'deployed', taskDefinitionArn: ARN, taskDefinitionChanged: false } as const;
    expect(deployOutputs({ ...base, controller: 'ECS', deployment: record({ notWatched: true }) })).toMatchObject({
      'task-definition-changed': false,
      deployed: false,
      status: 'PENDING',
    });
  });
});

describe('failureOutputs', () => {
  test('says how far the run got: the revision, the deployment and its status, the one-off task', () => {
    const report: DeployReport = {
      cluster: 'main',
      region: 'eu-west-1',
      taskDefinitionArn: ARN,
      record: record({ status: 'Stopped' }),
      runTask: { taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/main/abc', exitCode: 0 },
    };
    expect(failureOutputs(report)).toEqual({
      'task-definition-arn': ARN,
      'deployment-id': 'd-1',
      deployed: false,
      'run-task-arn': 'arn:aws:ecs:eu-west-1:123456789012:task/main/abc',
      'run-task-exit-code': 0,
      status: 'Stopped',
    });
  });

  test('before anything was made, only deployed=false', () => {
    expect(failureOutputs({ cluster: 'main', region: 'eu-west-1' })).toEqual({ deployed: false });
  });
});
