import {
  awsDefaults,
  failedRelease,
  minutesSeconds,
  releaseTimeline,
  stackDefaults,
  TIMELINE_TARGETS,
} from './timeline.js';

describe("the release timeline with the stacks' defaults (read from variables.tf)", () => {
  test('reads the settings the Terraform stacks really default to', async () => {
    const stack = await stackDefaults();
    expect(stack).toMatchObject({
      healthCheckIntervalSeconds: 5,
      healthyThreshold: 2,
      deregistrationDelaySeconds: 10,
      terminationWaitMinutes: 5,
      deploymentConfig: 'CodeDeployDefault.ECSAllAtOnce',
      alarmPeriodSeconds: 60,
      alarmEvaluationPeriods: 1,
    });
  });

  // The share of AWS's defaults is a bench target (printed met or not), not asserted here: with
  // one passing check for a new target, Fargate's start dominates both columns.
  test('a one-line change serves 100% new within 3 minutes of the build, sooner than with AWS defaults', async () => {
    const stack = await stackDefaults();
    const ours = releaseTimeline(stack);
    const theirs = releaseTimeline(awsDefaults(stack));
    expect(ours.allNew - ours.buildDone).toBeLessThanOrEqual(TIMELINE_TARGETS.buildToAllNew);
    expect(ours.allNew).toBeLessThan(theirs.allNew);
    expect(ours.end).toBeLessThan(theirs.end);
  });

  test('a failed release is back on 100% old within 3 minutes, on the blue tasks the termination wait kept', async () => {
    const failed = failedRelease(await stackDefaults());
    expect(failed.blueStillUp).toBe(true);
    expect(failed.allOld - failed.failure).toBeLessThanOrEqual(TIMELINE_TARGETS.failureToAllOld);
  });
});

describe('the timeline model', () => {
  const base = {
    label: 'test',
    healthCheckIntervalSeconds: 10,
    healthyThreshold: 2,
    deregistrationDelaySeconds: 30,
    terminationWaitMinutes: 5,
    deploymentConfig: 'CodeDeployDefault.ECSAllAtOnce',
    warmCache: true,
    alarmPeriodSeconds: 60,
    alarmEvaluationPeriods: 1,
  };

  test('events are in order, and each setting moves the phases it governs', () => {
    const t = releaseTimeline(base);
    const times = t.events.map((e) => e.at);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(releaseTimeline({ ...base, healthCheckIntervalSeconds: 30 }).allNew - t.allNew).toBe(20);
    // A new target needs one passing check: the healthy threshold counts only for a recovering one.
    expect(releaseTimeline({ ...base, healthyThreshold: 5 }).allNew).toBe(t.allNew);
    expect(releaseTimeline({ ...base, deregistrationDelaySeconds: 300 }).end - t.end).toBe(270);
    expect(releaseTimeline({ ...base, deregistrationDelaySeconds: 300 }).allNew).toBe(t.allNew);
    expect(releaseTimeline({ ...base, warmCache: false }).buildDone).toBeGreaterThan(t.buildDone);
  });

  test('with no termination wait a rollback must redeploy the old revision, and takes longer', () => {
    const kept = failedRelease(base);
    const gone = failedRelease({ ...base, terminationWaitMinutes: 0 });
    expect(kept.blueStillUp).toBe(true);
    expect(gone.blueStillUp).toBe(false);
    expect(gone.allOld - gone.alarm).toBeGreaterThan(kept.allOld - kept.alarm);
  });

  test('only AllAtOnce is modelled, and says so', () => {
    expect(() =>
      releaseTimeline({ ...base, deploymentConfig: 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes' }),
    ).toThrow(/AllAtOnce only/);
  });

  test('AWS minutes and seconds', () => {
    expect(minutesSeconds(0)).toBe('0:00');
    expect(minutesSeconds(98)).toBe('1:38');
    expect(minutesSeconds(926)).toBe('15:26');
  });
});
