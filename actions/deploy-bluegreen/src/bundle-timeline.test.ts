/**
 * The release timeline, from the outside: the bundled action run as a process against the sandbox
 * logs the expected phases before the deployment starts and writes Phase | Expected | Actual to the
 * job summary; with the target group read refused it says unknown, warns once and still deploys.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ECS_LIFECYCLE_EVENTS } from '../../../sandbox/services/codedeploy/appspec.js';
import type { ActionRun } from '../../../testing/run-action.js';
import { versionsServed } from '../../../testing/sample-app.js';
import {
  deployBundle,
  explain,
  newBundleStack,
  startBundleSandbox,
  type BundleSandbox,
} from './bundle-sandbox.test-helpers.js';

let fixture: BundleSandbox;
let serviceCount = 0;

beforeAll(async () => {
  fixture = await startBundleSandbox(['v1', 'v2'], 'deploy-bluegreen-timeline-');
}, 60_000);

afterAll(async () => {
  await fixture?.stop();
}, 30_000);

/**
 * A service running v1 behind target groups checked every 5 s (healthy threshold 2), drained
 * in 30 s (the service stack's settings), with a 1-minute termination wait or a 1-minute bake.
 */
async function newStack(controller: 'CODE_DEPLOY' | 'ECS') {
  serviceCount++;
  const service = `tl${serviceCount}`;
  return newBundleStack(fixture, service, {
    controller,
    strategy: controller === 'ECS' ? 'BLUE_GREEN' : undefined,
    codedeployApplication: controller === 'CODE_DEPLOY' ? `${service}-app` : undefined,
    deploymentGroup: controller === 'CODE_DEPLOY' ? `${service}-dg` : undefined,
    deploymentConfig: controller === 'CODE_DEPLOY' ? 'CodeDeployDefault.ECSAllAtOnce' : undefined,
    terminationWaitMinutes: 1,
    bakeTimeInMinutes: controller === 'ECS' ? 1 : undefined,
    healthCheckIntervalSeconds: 5,
    healthyThreshold: 2,
    deregistrationDelaySeconds: 30,
  });
}

const deploy = (service: string): Promise<ActionRun> => deployBundle(fixture, { cluster: 'main', service });

/** The summary's timeline table, row by row: phase -> [expected, actual]. */
function timeline(summary: string): Map<string, [string, string]> {
  const table =
    /<summary>Timeline: expected and actual<\/summary>\n\n\| Phase \| Expected \| Actual \|\n[^\n]*\n((?:\|[^\n]*\n)+)/.exec(
      summary,
    );
  const rows = new Map<string, [string, string]>();
  for (const line of table?.[1]?.trimEnd().split('\n') ?? []) {
    const [phase, expected, actual] = line
      .split('|')
      .slice(1, 4)
      .map((cell) => cell.trim());
    rows.set(phase!, [expected!, actual!]);
  }
  return rows;
}
const seconds = /^\*{0,2}(\d+ min )?\d+(\.\d)? s\*{0,2}$/;

describe('deploy-bluegreen bundle: the release timeline', () => {
  test('CodeDeploy: the expected phases are logged before the deployment, and the summary sets them beside the actual times', async () => {
    const stack = await newStack('CODE_DEPLOY');
    const before = fixture.sandbox.calls().length;
    const run = await deploy(stack.service);
    expect({ code: run.code, why: run.code === 0 ? '' : explain(run) }).toEqual({ code: 0, why: '' });

    const elbv2 = fixture.sandbox.calls(before).filter((c) => c.service === 'elbv2');
    expect(elbv2.map((c) => `${c.operation}${c.errorCode ? ` ${c.errorCode}` : ''}`)).toEqual([
      'DescribeTargetGroups',
      'DescribeTargetGroupAttributes',
    ]);
    // Logged as a group before CodeDeploy is asked for anything.
    const group = run.stdout.indexOf('::group::Expected timeline (AWS time)');
    expect(group).toBeGreaterThan(-1);
    expect(group).toBeLessThan(run.stdout.indexOf('Created deployment'));
    expect(run.stdout).toContain('Install: 45 s (40 s start + one check within 5 s)');

    const rows = timeline(run.summary);
    // Every lifecycle event the sandbox reports (in CodeDeploy's order), then the termination wait.
    expect([...rows.keys()]).toEqual([...ECS_LIFECYCLE_EVENTS, 'Termination wait', '**Total**']);
    expect(rows.get('Install')?.[0]).toBe('45 s (40 s start + one check within 5 s)');
    expect(rows.get('AllowTraffic')?.[0]).toBe('5 s (all at once)');
    expect(rows.get('Termination wait')?.[0]).toBe('1 min 31 s (1 min + 30 s deregistration delay)');
    expect(rows.get('**Total**')?.[0]).toBe('**2 min 36 s**');
    // The actual times: what the run took (the sandbox's scaled time), for every phase that ran.
    for (const phase of ['Install', 'AllowTraffic', 'Termination wait', '**Total**']) {
      expect([phase, rows.get(phase)?.[1]]).toEqual([phase, expect.stringMatching(seconds)]);
    }
    expect(await versionsServed(stack.productionUrl, 3)).toEqual(['v2', 'v2', 'v2']);
  }, 120_000);

  test('a role that may not read target groups: unknown, one warning naming the permission, and it still deploys', async () => {
    const stack = await newStack('CODE_DEPLOY');
    fixture.sandbox.faults({ errors: { DescribeTargetGroups: 'AccessDeniedException' } });
    try {
      const run = await deploy(stack.service);
      expect({ code: run.code, why: run.code === 0 ? '' : explain(run) }).toEqual({ code: 0, why: '' });
      expect(run.outputs).toMatchObject({ deployed: 'true', status: 'Succeeded' });
      const warnings = run.stdout.split('\n').filter((l) => l.startsWith('::warning') && l.includes('Expected phase'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('elasticloadbalancing:DescribeTargetGroups');
      const rows = timeline(run.summary);
      expect(rows.get('Install')?.[0]).toBe('unknown (target group not read)');
      expect(rows.get('Termination wait')?.[0]).toBe('unknown (1 min + deregistration delay not read)');
      expect(rows.get('AllowTraffic')?.[0]).toBe('5 s (all at once)');
      expect(rows.get('**Total**')?.[0]).toBe('**unknown**');
      expect(rows.get('Install')?.[1]).toMatch(seconds);
      expect(await versionsServed(stack.productionUrl, 3)).toEqual(['v2', 'v2', 'v2']);
    } finally {
      fixture.sandbox.faults({});
    }
  }, 120_000);

  test('ECS native blue/green: the lifecycle stages, with the bake time and the clean-up', async () => {
    const stack = await newStack('ECS');
    const before = fixture.sandbox.calls().length;
    const run = await deploy(stack.service);
    expect({ code: run.code, why: run.code === 0 ? '' : explain(run) }).toEqual({ code: 0, why: '' });
    expect(fixture.sandbox.calls(before).filter((c) => c.service === 'elbv2')).toHaveLength(2);
    const rows = timeline(run.summary);
    expect(rows.get('SCALE_UP')?.[0]).toBe('45 s (40 s start + one check within 5 s)');
    expect(rows.get('BAKE_TIME')?.[0]).toBe('1 min 0 s (1 min bake time)');
    expect(rows.get('CLEAN_UP')?.[0]).toBe('31 s (30 s deregistration delay)');
    expect(rows.get('BAKE_TIME')?.[1]).toMatch(seconds);
  }, 120_000);
});
