/**
 * End to end, CodeDeploy blue/green traffic (the sandbox, its clients and the fixture stack in
 * e2e-codedeploy.test-helpers.ts): with ECSAllAtOnce and ECSLinear10PercentEvery1Minutes the
 * lifecycle events come in AWS order, weights step as the config says, and the share of real
 * responses from green follows those weights (tolerance: 12 percentage points per step); a steady
 * stream of at least 1,000 requests during a full blue/green sees zero failures; StopDeployment with
 * rollback returns all production traffic to blue, and a second CreateDeployment while one is
 * active raises DeploymentLimitExceededException.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeploymentLimitExceededException, StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import {
  GROUP,
  ORDER,
  codedeploy,
  createDeployment,
  getDeployment,
  getTarget,
  pollWeights,
  productionUrl,
  productionVersions,
  requestOnce,
  sleep,
  startE2eSandbox,
  startLoad,
  stopE2eSandbox,
  testUrl,
  untilDone,
} from './e2e-codedeploy.test-helpers.js';

const SHARE_TOLERANCE = 12; // percentage points

/** The version the production listener serves now (the last successful deployment's). */
let serving = 'v1';

beforeAll(startE2eSandbox, 60_000);
afterAll(() => stopE2eSandbox());

describe('CodeDeploy blue/green end to end (real SDK, real HTTP)', () => {
  it('ECSAllAtOnce: lifecycle in AWS order, all traffic moves at AllowTraffic, no failed request', async () => {
    const load = startLoad(productionUrl);
    // Some traffic on blue first, however slowly a loaded machine serves it.
    while (load.samples.length < 20) await sleep(20);
    const id = await createDeployment('v2', 'CodeDeployDefault.ECSAllAtOnce');
    const weights = pollWeights(id);
    const done = await untilDone(id);
    const polled = await weights.stop();
    await sleep(300);
    const samples = await load.stop();

    expect(done.status).toBe('Succeeded');
    expect(done.completeTime).toBeInstanceOf(Date);
    const target = await getTarget(id);
    expect(target.lifecycleEvents!.map((e) => e.lifecycleEventName)).toEqual(ORDER);
    expect(target.lifecycleEvents!.every((e) => e.status === 'Succeeded')).toBe(true);
    const starts = target.lifecycleEvents!.map((e) => e.startTime!.getTime());
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    // Weights seen while it ran: only 0 and 100 for ECSAllAtOnce.
    expect(polled.every((s) => s.green === 0 || s.green === 100)).toBe(true);
    // The last poll may precede the switch by a few ms; the finished deployment's target may not.
    expect(target.taskSetsInfo!.find((ts) => ts.taskSetLabel === 'Green')?.trafficWeight).toBe(100);

    const failed = samples.filter((s) => !s.ok);
    expect(failed).toEqual([]);
    const allowTraffic = target.lifecycleEvents!.find((e) => e.lifecycleEventName === 'AllowTraffic')!;
    const before = samples.filter((s) => s.end < allowTraffic.startTime!.getTime());
    const after = samples.filter((s) => s.start > done.completeTime!.getTime());
    expect(before.length).toBeGreaterThan(10);
    expect(before.every((s) => s.version === 'v1')).toBe(true);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((s) => s.version === 'v2')).toBe(true);
    // The test listener reached green before production did.
    expect((await requestOnce(testUrl)).version).toBe('v2');
    serving = 'v2';
  }, 40_000);

  it('ECSLinear10PercentEvery1Minutes: weights step by 10, green share of 1,000+ real requests follows them, zero failures', async () => {
    const load = startLoad(productionUrl);
    const id = await createDeployment('v3', 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes');
    const weights = pollWeights(id);
    const done = await untilDone(id, 40_000);
    const polled = await weights.stop();
    await sleep(300);
    const samples = await load.stop();

    expect(done.status).toBe('Succeeded');
    const target = await getTarget(id);
    expect(target.lifecycleEvents!.map((e) => e.lifecycleEventName)).toEqual(ORDER);

    // Every weight GetDeploymentTarget reported is a step of the config, in increasing order.
    const distinct = [...new Set(polled.map((s) => s.green))];
    for (const w of distinct) expect(w % 10).toBe(0);
    expect(distinct).toEqual([...distinct].sort((a, b) => a - b));
    expect(distinct.filter((w) => w > 0 && w < 100).length).toBeGreaterThanOrEqual(7);

    // Share of green responses per step: count a request toward weight w when the polls just
    // before it started and just after it ended both said w.
    const byWeight = new Map<number, { green: number; total: number }>();
    for (const s of samples) {
      const before = [...polled].reverse().find((p) => p.time <= s.start);
      const after = polled.find((p) => p.time >= s.end);
      if (!before || !after || before.green !== after.green || !s.ok) continue;
      if (before.events.AllowTraffic !== 'InProgress') continue;
      const bucket = byWeight.get(before.green) ?? { green: 0, total: 0 };
      bucket.total += 1;
      if (s.version === 'v3') bucket.green += 1;
      byWeight.set(before.green, bucket);
    }
    const checked = [...byWeight.entries()].filter(([, b]) => b.total >= 40);
    expect(checked.length).toBeGreaterThanOrEqual(6);
    const shares = checked.map(([weight, b]) => ({
      weight,
      share: Math.round((b.green * 100) / b.total),
      requests: b.total,
    }));
    if (process.env.SANDBOX_E2E_REPORT) {
      process.stderr.write(
        `linear shift: ${samples.length} requests, ${samples.filter((s) => !s.ok).length} failed; ` +
          `green share per weight: ${JSON.stringify(shares)}\n`,
      );
    }
    const outside = shares.filter((s) => Math.abs(s.share - s.weight) > SHARE_TOLERANCE);
    expect(outside).toEqual([]);

    expect(samples.length).toBeGreaterThanOrEqual(1000);
    expect(samples.filter((s) => !s.ok)).toEqual([]);
    serving = 'v3';
  }, 60_000);

  it('StopDeployment with rollback returns all production traffic to blue; a second CreateDeployment meanwhile is refused', async () => {
    const id = await createDeployment('v4', 'CodeDeployDefault.ECSLinear10PercentEvery3Minutes');
    const deadline = Date.now() + 20_000;
    for (;;) {
      const green = (await getTarget(id)).taskSetsInfo?.find((ts) => ts.taskSetLabel === 'Green')?.trafficWeight ?? 0;
      if (green >= 10) break;
      if (Date.now() > deadline) throw new Error('the linear shift never started');
      await sleep(50);
    }
    expect((await productionVersions(60)).filter((v) => v === 'v4').length).toBeGreaterThan(0);

    const second = await createDeployment('v5', 'CodeDeployDefault.ECSAllAtOnce').catch((e: unknown) => e);
    expect(second).toBeInstanceOf(DeploymentLimitExceededException);
    expect((second as Error).message).toBe(`The Deployment Group '${GROUP}' already has an active Deployment '${id}'`);

    await codedeploy.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }));
    const stopped = await getDeployment(id);
    expect(stopped.status).toBe('Stopped');
    const rollbackId = stopped.rollbackInfo?.rollbackDeploymentId;
    expect(rollbackId).toMatch(/^d-[A-Z0-9]{9}$/);
    const rollback = await untilDone(rollbackId!);
    expect(rollback.status).toBe('Succeeded');
    expect(rollback.rollbackInfo?.rollbackTriggeringDeploymentId).toBe(id);
    expect(new Set(await productionVersions(50))).toEqual(new Set([serving]));
    const restored = (await getTarget(rollbackId!)).taskSetsInfo!.find((ts) => ts.trafficWeight === 100);
    expect(restored).toBeDefined();
  }, 40_000);
});
