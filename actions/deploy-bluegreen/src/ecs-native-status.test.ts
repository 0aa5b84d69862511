/**
 * Every value the ECS API model lists for the enums the ECS watch branches on is handled on
 * purpose: the tables below are checked against testing/aws-models/ecs.json, so a value AWS adds
 * fails here until it is classified (the watch itself keeps watching and says so meanwhile).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  classifyDeploymentStatus,
  classifyLifecycleStage,
  classifyRolloutState,
  deploymentEnded,
  LIFECYCLE_STAGES,
  stagePosition,
  type Verdict,
} from './ecs-native-status.js';

const model = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../../testing/aws-models/ecs.json', import.meta.url)), 'utf8'),
) as { shapes: Record<string, { enum?: string[] }> };

function enumOf(shape: string): string[] {
  const values = model.shapes[shape]?.enum;
  if (!values) throw new Error(`The ECS model has no enum shape ${shape}`);
  return values;
}

const TABLES: { shape: string; classify: (value: string) => Verdict; expected: Record<string, Verdict> }[] = [
  {
    shape: 'ServiceDeploymentStatus',
    classify: classifyDeploymentStatus,
    expected: {
      PENDING: 'going',
      IN_PROGRESS: 'going',
      STOP_REQUESTED: 'going',
      ROLLBACK_REQUESTED: 'going',
      ROLLBACK_IN_PROGRESS: 'going',
      SUCCESSFUL: 'done',
      STOPPED: 'failed',
      ROLLBACK_SUCCESSFUL: 'failed',
      ROLLBACK_FAILED: 'failed',
    },
  },
  {
    shape: 'ServiceDeploymentLifecycleStage',
    classify: classifyLifecycleStage,
    expected: Object.fromEntries(LIFECYCLE_STAGES.map((stage) => [stage, 'going' as const])),
  },
  {
    shape: 'DeploymentRolloutState',
    classify: classifyRolloutState,
    expected: { IN_PROGRESS: 'going', COMPLETED: 'done', FAILED: 'failed' },
  },
];

describe.each(TABLES)('$shape', ({ shape, classify, expected }) => {
  test('the table lists exactly the values of the API model', () => {
    expect(Object.keys(expected).sort()).toEqual([...enumOf(shape)].sort());
  });

  test.each(enumOf(shape))('%s is classified on purpose', (value) => {
    expect(classify(value)).not.toBe('unknown');
    expect(classify(value)).toBe(expected[value]);
  });

  test('a value the model does not list is unknown: keep watching and say so', () => {
    expect(classify('SOMETHING_NEW')).toBe('unknown');
  });
});

test('only done and failed statuses end the watch', () => {
  for (const status of enumOf('ServiceDeploymentStatus')) {
    expect(deploymentEnded(status)).toBe(classifyDeploymentStatus(status) !== 'going');
  }
  expect(deploymentEnded('SOMETHING_NEW')).toBe(false);
});

test('the lifecycle stages are in the order of the API model', () => {
  const stages = enumOf('ServiceDeploymentLifecycleStage');
  expect(stages.map(stagePosition)).toEqual(stages.map((_, i) => i));
});
