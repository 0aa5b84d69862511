/**
 * Every value of CodeDeploy's DeploymentStatus, LifecycleEventStatus and TargetStatus, read from
 * AWS's API model, is classified on purpose by the watch. A value the model gains and the code
 * does not list fails here.
 */
import { readFileSync } from 'node:fs';
import {
  DEPLOYMENT_STATUS,
  deploymentProgress,
  LIFECYCLE_EVENT_STATUS,
  lifecycleEventProgress,
  type Progress,
  TARGET_STATUS,
  targetProgress,
} from './codedeploy-states.js';

const model = JSON.parse(
  readFileSync(new URL('../../../testing/aws-models/codedeploy.json', import.meta.url), 'utf8'),
) as { shapes: Record<string, { enum?: string[] }> };
const values = (shape: string) => model.shapes[shape]?.enum ?? [];

/** What each value must mean; every value of the model has a row. */
const EXPECTED: Record<string, Record<string, Progress>> = {
  DeploymentStatus: {
    Created: 'going',
    Queued: 'going',
    InProgress: 'going',
    Baking: 'going',
    Ready: 'going',
    Succeeded: 'done',
    Failed: 'failed',
    Stopped: 'failed',
  },
  LifecycleEventStatus: {
    Pending: 'going',
    InProgress: 'going',
    Succeeded: 'done',
    Skipped: 'done',
    Failed: 'failed',
    Unknown: 'unknown',
  },
  TargetStatus: {
    Pending: 'going',
    InProgress: 'going',
    Ready: 'going',
    Succeeded: 'done',
    Skipped: 'done',
    Failed: 'failed',
    Unknown: 'unknown',
  },
};

const tables: [string, Record<string, Progress>, (status: string | undefined) => Progress][] = [
  ['DeploymentStatus', DEPLOYMENT_STATUS, deploymentProgress],
  ['LifecycleEventStatus', LIFECYCLE_EVENT_STATUS, lifecycleEventProgress],
  ['TargetStatus', TARGET_STATUS, targetProgress],
];

describe.each(tables)('%s', (shape, table, classify) => {
  test('the model lists values', () => expect(values(shape).length).toBeGreaterThan(0));

  test('the code lists exactly the values of the model', () => {
    expect(Object.keys(table).sort()).toEqual([...values(shape)].sort());
  });

  test.each(values(shape))('%s is classified on purpose', (value) => {
    expect(classify(value)).toBe(EXPECTED[shape]![value]);
  });

  test('a value the model does not know is unknown: keep watching and say so', () => {
    expect(classify('SomethingNew')).toBe('unknown');
    expect(classify(undefined)).toBe('unknown');
  });
});
