import { describe, expect, test } from '@jest/globals';
import {
  brokenProblems,
  changeProblems,
  initProblems,
  noOpProblems,
  promotedNoOpProblems,
  promotionProblems,
  type StepResult,
} from './expectations.js';
import type { LoadStats } from './load.js';

const OLD = 'r/demo@sha256:old';
const NEW = 'r/demo@sha256:new';

const ok = (outputs: Record<string, string> = {}): StepResult => ({ code: 0, outputs, errors: [] });
const failed = (...errors: string[]): StepResult => ({ code: 1, outputs: { deployed: 'false' }, errors });
const load = (byImage: Record<string, number>, failures: string[] = []): LoadStats => ({
  sent: Object.values(byImage).reduce((a, b) => a + b, 0) + failures.length,
  failed: failures.length,
  byImage,
  failures,
});

describe('init', () => {
  test('needs a built image, a registered task definition and a passing smoke test', () => {
    const taskdef = ok({ 'task-definition-arn': 'arn:aws:ecs:r:1:task-definition/app:1' });
    expect(initProblems({ build: ok({ built: 'true' }), taskdef, smoke: ok({ passed: 'true' }) })).toEqual([]);
    expect(initProblems({ build: ok({ built: 'false' }), taskdef: ok(), smoke: ok({ passed: 'false' }) })).toEqual([
      'build-image built=false (expected true)',
      'deploy-bluegreen gave no task-definition-arn',
      'smoke-test passed=false (expected true)',
    ]);
  });
});

describe('deploy of a change', () => {
  const build = ok({ built: 'true', image: NEW });
  const deploy = ok({ deployed: 'true' });
  const smoke = ok({ passed: 'true' });

  test('behaves when the new image served without a failed request', () => {
    expect(changeProblems({ build, deploy, smoke, load: load({ [OLD]: 50, [NEW]: 50 }) })).toEqual([]);
  });

  test('a failed request under load, or a load loop that never saw the new image, is unexpected', () => {
    expect(
      changeProblems({ build, deploy, smoke, load: load({ [OLD]: 99, [NEW]: 1 }, ['HTTP 502: bad gateway']) }),
    ).toEqual(['1 failed requests during the shift (HTTP 502: bad gateway)']);
    expect(changeProblems({ build, deploy, smoke, load: load({ [OLD]: 100 }) })).toEqual([
      'the load loop never got an answer from the new image',
    ]);
  });

  test('nothing deployed is unexpected', () => {
    expect(changeProblems({ build, deploy: ok({ deployed: 'false' }), smoke, load: load({ [NEW]: 1 }) })).toEqual([
      'deploy-bluegreen deployed=false (expected true)',
    ]);
  });
});

describe('no-op deploy', () => {
  const build = ok({ built: 'false', image: NEW });
  const deploy = ok({ deployed: 'false', 'task-definition-changed': 'false' });

  test('behaves with read-only calls only', () => {
    const calls = [
      { service: 'ecr', operation: 'DescribeImages' },
      { service: 'ecs', operation: 'DescribeServices' },
      { service: 'ecs', operation: 'DescribeTaskDefinition' },
    ];
    expect(noOpProblems({ build, deploy, calls })).toEqual([]);
  });

  test('a rebuild, a registration or a deployment is unexpected', () => {
    expect(
      noOpProblems({
        build: ok({ built: 'true' }),
        deploy: ok({ deployed: 'true', 'task-definition-changed': 'true' }),
        calls: [
          { service: 'ecs', operation: 'RegisterTaskDefinition' },
          { service: 'codedeploy', operation: 'CreateDeployment' },
          { service: 'ecs', operation: 'DescribeServices' },
        ],
      }),
    ).toEqual([
      'build-image built=true (expected false)',
      'deploy-bluegreen deployed=true (expected false)',
      'deploy-bluegreen registered a task definition',
      'calls that change something: RegisterTaskDefinition, CreateDeployment',
    ]);
  });
});

describe('broken build', () => {
  const build = ok({ built: 'true', image: NEW });
  const healthFailure = failed(
    'Deployment d-1 Failed in lifecycle event Install.\nInstall: ScriptFailed: Replacement tasks stopped. Stopped reason: Task failed container health checks',
  );
  const blue = Array.from({ length: 20 }, () => ({ status: 200, image: OLD }));

  test('behaves when the action failed saying why and the previous image still serves everything', () => {
    expect(
      brokenProblems({ build, deploy: healthFailure, load: load({ [OLD]: 300 }), before: OLD, after: blue }),
    ).toEqual([]);
  });

  test('a deploy that succeeds with the broken image is unexpected', () => {
    expect(
      brokenProblems({ build, deploy: ok({ deployed: 'true' }), load: load({ [NEW]: 1 }), before: OLD, after: blue }),
    ).toEqual(['deploy-bluegreen succeeded with an image whose /health answers 500 (deployed=true)']);
  });

  test('a failure without its cause, or production no longer on the previous image, is unexpected', () => {
    const problems = brokenProblems({
      build,
      deploy: failed('Something went wrong'),
      load: load({ [OLD]: 290, [NEW]: 10 }),
      before: OLD,
      after: [...blue.slice(1), { status: 500, image: '' }],
    });
    expect(problems).toEqual([
      'the failure message does not say the deployment failed its health checks: Something went wrong',
      '1 of 20 requests after the failure did not answer 200 from the previous image ({"status":500,"image":""})',
      '10 production requests reached the broken image',
    ]);
    expect(brokenProblems({ build, deploy: healthFailure, load: load({}), before: OLD, after: [] })).toEqual([
      'no request checked production after the failure',
    ]);
  });
});

describe('promotion from staging to production', () => {
  const promotion = {
    stagingBuild: ok({ built: 'true', image: NEW }),
    stagingDeploy: ok({ deployed: 'true' }),
    stagingSmoke: ok({ passed: 'true' }),
    productionBuilt: false,
    productionImage: NEW,
    productionDeploy: ok({ deployed: 'true' }),
    productionSmoke: ok({ passed: 'true' }),
    serving: { staging: NEW, production: NEW },
  };

  test('behaves when production deploys the digest staging built, without building, and both serve it', () => {
    expect(promotionProblems(promotion)).toEqual([]);
  });

  test('a production build, another image, or an environment serving something else is unexpected', () => {
    expect(
      promotionProblems({
        ...promotion,
        productionBuilt: true,
        productionImage: OLD,
        serving: { staging: NEW, production: OLD },
      }),
    ).toEqual([
      'production ran build-image (a promotion builds nothing)',
      `production was given ${OLD}, not staging's ${NEW}`,
      `production serves ${OLD}, not ${NEW}`,
    ]);
  });

  test('the same commit again changes nothing in either environment', () => {
    const unchanged = ok({ deployed: 'false', 'task-definition-changed': 'false' });
    const again = { stagingBuild: ok({ built: 'false' }), stagingDeploy: unchanged, productionDeploy: unchanged };
    expect(promotedNoOpProblems({ ...again, calls: [{ service: 'ecs', operation: 'DescribeServices' }] })).toEqual([]);
    expect(
      promotedNoOpProblems({
        ...again,
        productionDeploy: ok({ deployed: 'true', 'task-definition-changed': 'true' }),
        calls: [{ service: 'ecs', operation: 'RegisterTaskDefinition' }],
      }),
    ).toEqual([
      'staging: calls that change something: RegisterTaskDefinition',
      'production: deploy-bluegreen deployed=true (expected false)',
      'production: deploy-bluegreen registered a task definition',
    ]);
  });
});
