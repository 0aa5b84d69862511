import { describe, expect, it } from '@jest/globals';
import type { DeploymentRecord } from './deps.js';
import { LIFECYCLE_STAGES } from './ecs-native-status.js';
import {
  codedeployShift,
  ecsShift,
  expectedPhases,
  expectedTotal,
  TERMINATION_PHASE,
  timelineRows,
  type TargetGroupTiming,
} from './timeline.js';

const group: TargetGroupTiming = { healthCheckIntervalSeconds: 5, deregistrationDelaySeconds: 30 };
const byName = (phases: { name: string; seconds?: number }[]) =>
  Object.fromEntries(phases.map((p) => [p.name, p.seconds]));

describe('expectedPhases, CodeDeploy', () => {
  it('names every ECS lifecycle event in order, then the termination wait', () => {
    const phases = expectedPhases({
      controller: 'CODE_DEPLOY',
      shift: { kind: 'all-at-once' },
      terminationWaitMinutes: 0,
      targetGroup: group,
    });
    // CodeDeploy's ECS lifecycle events in the order they run, as GetDeploymentTarget names them.
    expect(phases.map((p) => p.name).join(', ')).toBe(
      `BeforeInstall, Install, AfterInstall, AllowTestTraffic, AfterAllowTestTraffic, BeforeAllowTraffic, AllowTraffic, AfterAllowTraffic, ${TERMINATION_PHASE}`,
    );
  });

  it('times Install by task start and health checks, and termination by wait and deregistration delay', () => {
    const phases = expectedPhases({
      controller: 'CODE_DEPLOY',
      shift: { kind: 'all-at-once' },
      terminationWaitMinutes: 5,
      targetGroup: group,
    });
    const seconds = byName(phases);
    // 40 s Fargate start + one passing check within the 5 s interval, whatever the healthy threshold.
    expect(seconds.Install).toBe(45);
    expect(phases.find((p) => p.name === 'Install')?.basis).toBe('40 s start + one check within 5 s');
    expect(seconds[TERMINATION_PHASE]).toBe(5 * 60 + 30 + 1);
    expect(seconds.AllowTraffic).toBe(5);
    expect(expectedTotal(phases)).toBe(2 + 45 + 2 + 5 + 2 + 2 + 5 + 2 + 331);
  });

  it('times linear and canary traffic by their steps', () => {
    const linear = expectedPhases({
      controller: 'CODE_DEPLOY',
      shift: codedeployShift('CodeDeployDefault.ECSLinear10PercentEvery1Minutes'),
      terminationWaitMinutes: 0,
      targetGroup: group,
    });
    // Ten shifts of 10%, a minute apart: 9 minutes of waiting and ten listener changes.
    expect(byName(linear).AllowTraffic).toBe(9 * 60 + 10 * 5);
    const canary = expectedPhases({
      controller: 'CODE_DEPLOY',
      shift: codedeployShift('CodeDeployDefault.ECSCanary10Percent15Minutes'),
      terminationWaitMinutes: 0,
      targetGroup: group,
    });
    expect(byName(canary).AllowTraffic).toBe(15 * 60 + 2 * 5);
  });

  it('leaves a phase unknown when the setting it needs could not be read', () => {
    const phases = expectedPhases({ controller: 'CODE_DEPLOY', terminationWaitMinutes: 5 });
    const seconds = byName(phases);
    expect(seconds.Install).toBeUndefined();
    expect(seconds.AllowTraffic).toBeUndefined();
    expect(seconds[TERMINATION_PHASE]).toBeUndefined();
    expect(seconds.BeforeInstall).toBe(2);
    expect(expectedTotal(phases)).toBeUndefined();
    const noDelay = expectedPhases({
      controller: 'CODE_DEPLOY',
      terminationWaitMinutes: 5,
      targetGroup: { healthCheckIntervalSeconds: 30 },
    });
    expect(byName(noDelay).Install).toBe(40 + 30);
    expect(noDelay.find((p) => p.name === TERMINATION_PHASE)?.basis).toBe('5 min + deregistration delay not read');
  });
});

describe('traffic shifts', () => {
  it('reads the predefined ECS configs by name, a custom one only from its routing', () => {
    expect(codedeployShift('CodeDeployDefault.ECSAllAtOnce')).toEqual({ kind: 'all-at-once' });
    expect(codedeployShift('CodeDeployDefault.ECSLinear10PercentEvery3Minutes')).toEqual({
      kind: 'linear',
      percent: 10,
      minutes: 3,
    });
    expect(codedeployShift('CodeDeployDefault.ECSCanary10Percent5Minutes')).toEqual({
      kind: 'canary',
      percent: 10,
      minutes: 5,
    });
    expect(codedeployShift('my-config')).toBeUndefined();
    expect(
      codedeployShift('my-config', {
        type: 'TimeBasedLinear',
        timeBasedLinear: { linearPercentage: 25, linearInterval: 2 },
      }),
    ).toEqual({ kind: 'linear', percent: 25, minutes: 2 });
  });

  it("takes an ECS service's linear and canary settings, with ECS's defaults", () => {
    expect(ecsShift({ strategy: 'BLUE_GREEN' })).toEqual({ kind: 'all-at-once' });
    expect(ecsShift({ strategy: 'LINEAR' })).toEqual({ kind: 'linear', percent: 10, minutes: 6 });
    expect(
      ecsShift({ strategy: 'CANARY', canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 3 } }),
    ).toEqual({ kind: 'canary', percent: 20, minutes: 3 });
  });
});

describe('expectedPhases, ECS', () => {
  it('names the lifecycle stages, with bake time and clean-up from the settings', () => {
    const phases = expectedPhases({
      controller: 'ECS',
      shift: { kind: 'all-at-once' },
      bakeTimeMinutes: 2,
      targetGroup: group,
    });
    // The stages the watch knows, in the order AWS documents them.
    expect(phases.map((p) => p.name)).toEqual([...LIFECYCLE_STAGES]);
    expect(byName(phases)).toMatchObject({ SCALE_UP: 45, BAKE_TIME: 120, CLEAN_UP: 31 });
  });
});

describe('timelineRows', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s));
  const record = (overrides: Partial<DeploymentRecord>): DeploymentRecord => ({
    kind: 'codedeploy',
    id: 'd-1',
    lifecycle: [],
    traffic: [],
    startTime: at(0),
    ...overrides,
  });
  const phases = expectedPhases({
    controller: 'CODE_DEPLOY',
    shift: { kind: 'all-at-once' },
    terminationWaitMinutes: 0,
    targetGroup: group,
  });

  it('sets what each phase took beside what it should, and the termination wait to the end', () => {
    const rows = timelineRows(
      phases,
      record({
        status: 'Succeeded',
        endTime: at(50),
        lifecycle: [
          { name: 'BeforeInstall', status: 'Skipped', startTime: at(0), endTime: at(0) },
          { name: 'Install', status: 'Succeeded', startTime: at(1), endTime: at(13) },
          { name: 'AfterAllowTraffic', status: 'Succeeded', startTime: at(20), endTime: at(21) },
        ],
      }),
    );
    expect(rows.find((r) => r.phase === 'Install')).toMatchObject({ expected: 45, actual: 12 });
    expect(rows.find((r) => r.phase === 'BeforeInstall')).toMatchObject({ status: 'Skipped' });
    expect(rows.find((r) => r.phase === TERMINATION_PHASE)).toMatchObject({ expected: 31, actual: 29 });
  });

  it('says which phases a failed deployment never reached', () => {
    const rows = timelineRows(
      phases,
      record({
        status: 'Failed',
        endTime: at(30),
        lifecycle: [{ name: 'Install', status: 'Failed', startTime: at(1), endTime: at(30) }],
      }),
    );
    expect(rows.find((r) => r.phase === 'Install')).toMatchObject({ actual: 29, status: 'Failed' });
    expect(rows.find((r) => r.phase === 'AllowTraffic')?.status).toBe('not reached');
    expect(rows.find((r) => r.phase === TERMINATION_PHASE)?.status).toBe('not reached');
    expect(timelineRows(phases, undefined).every((r) => r.status === 'not reached')).toBe(true);
  });

  it('tells an ECS stage that passed between two polls from one never reached', () => {
    const ecs = expectedPhases({ controller: 'ECS', shift: { kind: 'all-at-once' }, bakeTimeMinutes: 0 });
    const rows = timelineRows(
      ecs,
      record({
        kind: 'ecs',
        lifecycle: [{ name: 'SCALE_UP', status: 'InProgress', startTime: at(3) }],
      }),
    );
    expect(rows.find((r) => r.phase === 'PRE_SCALE_UP')?.status).toBe('passed between two polls');
    expect(rows.find((r) => r.phase === 'SCALE_UP')?.status).toBe('still running');
    expect(rows.find((r) => r.phase === 'BAKE_TIME')?.status).toBe('not reached');
  });

  it('says a phase was stopped while running, and one still pending was not reached', () => {
    const rows = timelineRows(
      phases,
      record({
        stoppedBecause: 'Cancelled (SIGTERM)',
        lifecycle: [
          { name: 'AllowTraffic', status: 'InProgress', startTime: at(10) },
          { name: 'AfterAllowTraffic', status: 'Pending' },
        ],
      }),
    );
    expect(rows.find((r) => r.phase === 'AllowTraffic')?.status).toBe('stopped while running');
    expect(rows.find((r) => r.phase === 'AfterAllowTraffic')?.status).toBe('not reached');
  });
});
