/**
 * What LINEAR, CANARY and BLUE_GREEN service deployments share beyond the stages: the production
 * traffic steps of each strategy, and lifecycle hooks (Lambda and pause hooks).
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-linear.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/canary-deployment.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-lifecycle-hooks.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/pause-lifecycle-hooks.html
 */
import { randomBytes } from 'node:crypto';
import { AwsError, type FaultSet } from '../contracts.js';
import type { DeploymentConfiguration } from './ecs-model.js';

/** The stages a hook may name (DeploymentLifecycleHookStage in the ECS API model). */
export const HOOK_STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
] as const;
export type HookStage = (typeof HOOK_STAGES)[number];

export type HookAction = 'CONTINUE' | 'ROLLBACK';
export type HookStatus = 'AWAITING_ACTION' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
/** What a Lambda hook answers (its hookStatus); the sandbox cannot run Lambda, so a fault decides. */
export type LambdaAnswer = 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS';

export interface LifecycleHook {
  targetType: 'AWS_LAMBDA' | 'PAUSE';
  hookTargetArn?: string;
  lifecycleStages: HookStage[];
  timeoutInMinutes: number;
  timeoutAction: HookAction;
}

/** One run of one hook at one stage: what DescribeServiceDeployments lists in lifecycleHookDetails. */
export interface HookRun {
  hookId: string;
  targetType: LifecycleHook['targetType'];
  targetArn?: string;
  status: HookStatus;
  expiresAt: Date;
  /** Real ms when the timeout action is taken. */
  expiresAtMs: number;
  timeoutAction: HookAction;
  /** Real ms of the next Lambda invocation. */
  nextInvokeAtMs: number;
  /** Set by ContinueServiceDeployment (pause hooks). */
  decision?: HookAction;
}

// DeploymentLifecycleHookTimeoutConfiguration: "Default: 1440 (24 hours)", action "Default: ROLLBACK".
// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentLifecycleHookTimeoutConfiguration.html
const DEFAULT_TIMEOUT_MINUTES = 1440;
// A Lambda hook answering IN_PROGRESS "runs again after ... a 30 second interval" by default.
const LAMBDA_CALLBACK_MS = 30_000;

const invalid = (message: string) => new AwsError('InvalidParameterException', message);

/** Reads deploymentConfiguration.lifecycleHooks as CreateService and UpdateService accept them. */
export function parseLifecycleHooks(raw: unknown): LifecycleHook[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw invalid('lifecycleHooks must be a list.');
  return raw.map((entry: unknown, i) => {
    const hook = (entry ?? {}) as Record<string, unknown>;
    const targetType = hook.targetType ?? 'AWS_LAMBDA';
    if (targetType !== 'AWS_LAMBDA' && targetType !== 'PAUSE')
      throw invalid(`lifecycleHooks[${i}].targetType must be AWS_LAMBDA or PAUSE.`);
    // "You must provide this parameter when configuring an AWS_LAMBDA lifecycle hook."
    if (targetType === 'AWS_LAMBDA' && typeof hook.hookTargetArn !== 'string')
      throw invalid(`lifecycleHooks[${i}].hookTargetArn is required for an AWS_LAMBDA hook.`);
    const stages = hook.lifecycleStages;
    if (!Array.isArray(stages) || stages.length === 0)
      throw invalid(`lifecycleHooks[${i}].lifecycleStages must name at least one stage.`);
    for (const stage of stages) {
      if (!HOOK_STAGES.includes(stage as HookStage))
        throw invalid(
          `lifecycleHooks[${i}].lifecycleStages: ${String(stage)} is not one of ${HOOK_STAGES.join(', ')}.`,
        );
    }
    const timeout = (hook.timeoutConfiguration ?? {}) as Record<string, unknown>;
    const minutes = timeout.timeoutInMinutes ?? DEFAULT_TIMEOUT_MINUTES;
    if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 1 || minutes > 20160)
      throw invalid(`lifecycleHooks[${i}].timeoutConfiguration.timeoutInMinutes must be from 1 to 20160.`);
    const action = timeout.action ?? 'ROLLBACK';
    if (action !== 'CONTINUE' && action !== 'ROLLBACK')
      throw invalid(`lifecycleHooks[${i}].timeoutConfiguration.action must be CONTINUE or ROLLBACK.`);
    return {
      targetType,
      ...(typeof hook.hookTargetArn === 'string' ? { hookTargetArn: hook.hookTargetArn } : {}),
      lifecycleStages: stages as HookStage[],
      timeoutInMinutes: minutes,
      timeoutAction: action,
    };
  });
}

/** Checks linearConfiguration / canaryConfiguration against the ranges the API reference gives. */
export function checkTrafficShiftConfiguration(config: DeploymentConfiguration): void {
  const linear = config.linearConfiguration;
  const canary = config.canaryConfiguration;
  // LinearConfiguration: stepPercent "multiples of 0.1 from 3.0 to 100.0", stepBakeTimeInMinutes "0 to 1440".
  if (linear?.stepPercent !== undefined) checkPercent('linearConfiguration.stepPercent', linear.stepPercent, 3);
  if (linear?.stepBakeTimeInMinutes !== undefined)
    checkMinutes('linearConfiguration.stepBakeTimeInMinutes', linear.stepBakeTimeInMinutes);
  // CanaryConfiguration: canaryPercent "multiples of 0.1 from 0.1 to 100.0", canaryBakeTimeInMinutes "0 to 1440".
  if (canary?.canaryPercent !== undefined) checkPercent('canaryConfiguration.canaryPercent', canary.canaryPercent, 0.1);
  if (canary?.canaryBakeTimeInMinutes !== undefined)
    checkMinutes('canaryConfiguration.canaryBakeTimeInMinutes', canary.canaryBakeTimeInMinutes);
  parseLifecycleHooks(config.lifecycleHooks);
}

function checkPercent(name: string, value: unknown, min: number): void {
  const ok =
    typeof value === 'number' && value >= min && value <= 100 && Math.abs(value * 10 - Math.round(value * 10)) < 1e-9;
  if (!ok) throw invalid(`${name} must be a multiple of 0.1 from ${min.toFixed(1)} to 100.0; got ${String(value)}.`);
}

function checkMinutes(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1440)
    throw invalid(`${name} must be a whole number of minutes from 0 to 1440; got ${String(value)}.`);
}

/**
 * The production traffic steps: the green percent after each shift, and the AWS ms to wait
 * between two steps (never after the last one, at 100%).
 * LINEAR: equal steps of stepPercent (default 10.0) every stepBakeTimeInMinutes (default 6).
 * CANARY: canaryPercent (default 5.0), canaryBakeTimeInMinutes (default 10), then the rest at once.
 * BLUE_GREEN: all at once.
 */
export function productionSteps(config: DeploymentConfiguration): { percents: number[]; bakeMs: number } {
  if (config.strategy === 'LINEAR') {
    const step = config.linearConfiguration?.stepPercent ?? 10;
    const percents: number[] = [];
    for (let n = 1; Math.round(step * n * 10) / 10 < 100; n++) percents.push(Math.round(step * n * 10) / 10);
    percents.push(100);
    return { percents, bakeMs: (config.linearConfiguration?.stepBakeTimeInMinutes ?? 6) * 60_000 };
  }
  if (config.strategy === 'CANARY') {
    const canary = config.canaryConfiguration?.canaryPercent ?? 5;
    return {
      percents: canary >= 100 ? [100] : [canary, 100],
      bakeMs: (config.canaryConfiguration?.canaryBakeTimeInMinutes ?? 10) * 60_000,
    };
  }
  return { percents: [100], bakeMs: 0 };
}

/**
 * Listener weights for a green share in percent. ALB weights are whole numbers from 0 to 999, so
 * a share with a tenth (5.5%) is expressed in tenths (945/55); how ECS writes them is our assumption.
 */
export function listenerWeights(
  blueGroup: string,
  greenGroup: string,
  green: number,
): { targetGroupArn: string; weight: number }[] {
  const whole = Number.isInteger(green);
  const scale = whole ? 1 : 10;
  const g = Math.round(green * scale);
  return [
    { targetGroupArn: blueGroup, weight: 100 * scale - g },
    { targetGroupArn: greenGroup, weight: g },
  ];
}

/** A run of each hook configured for the stage, started now. */
export function startHookRuns(
  hooks: LifecycleHook[],
  stage: HookStage,
  realNow: number,
  toRealMs: (awsMs: number) => number,
) {
  return hooks
    .filter((hook) => hook.lifecycleStages.includes(stage))
    .map((hook): HookRun => {
      const pause = hook.targetType === 'PAUSE';
      return {
        // Pause hook ids look like "ecs-pause-e7tK9G_WRJqNF_EOMjztDXfKenlJuEUVjsNStf4WLKw" (pause hooks page);
        // the Lambda prefix is our assumption.
        hookId: `ecs-${pause ? 'pause' : 'lambda'}-${randomBytes(32).toString('base64url')}`,
        targetType: hook.targetType,
        ...(pause ? {} : { targetArn: hook.hookTargetArn }),
        status: pause ? 'AWAITING_ACTION' : 'IN_PROGRESS',
        expiresAt: new Date(Date.now() + hook.timeoutInMinutes * 60_000),
        expiresAtMs: realNow + toRealMs(hook.timeoutInMinutes * 60_000),
        timeoutAction: hook.timeoutAction,
        nextInvokeAtMs: realNow,
      };
    });
}

/** The Lambda answer the fault set gives for a function ARN (or '*'); without one, the hook succeeds (our assumption). */
export function lambdaAnswer(faults: FaultSet, functionArn: string | undefined): LambdaAnswer {
  return faults.lambdaHooks?.[functionArn ?? ''] ?? faults.lambdaHooks?.['*'] ?? 'SUCCEEDED';
}

/**
 * Advances the stage's hook runs: every hook must complete before the deployment moves on
 * (Lambda and pause hooks at one stage both have to). Answers 'waiting', 'done', or the reason
 * to roll back: a Lambda answering FAILED, a pause hook continued with ROLLBACK, or a timeout
 * whose action is ROLLBACK.
 */
export function settleHookRuns(
  runs: HookRun[],
  realNow: number,
  toRealMs: (awsMs: number) => number,
  answer: (functionArn: string | undefined) => LambdaAnswer,
): 'waiting' | 'done' | { rollback: string } {
  for (const run of runs) {
    if (run.status === 'AWAITING_ACTION' || run.status === 'IN_PROGRESS') {
      if (run.targetType === 'AWS_LAMBDA' && realNow >= run.nextInvokeAtMs) {
        const status = answer(run.targetArn);
        if (status === 'IN_PROGRESS') run.nextInvokeAtMs = realNow + toRealMs(LAMBDA_CALLBACK_MS);
        else run.status = status;
      }
    }
    if ((run.status === 'AWAITING_ACTION' || run.status === 'IN_PROGRESS') && realNow >= run.expiresAtMs) {
      run.status = 'TIMED_OUT';
    }
  }
  for (const run of runs) {
    const name = `${run.targetType === 'PAUSE' ? 'pause' : 'Lambda'} hook ${run.hookId}`;
    if (run.status === 'FAILED') {
      return {
        rollback:
          run.decision === 'ROLLBACK'
            ? `Rolled back at ${name} (ContinueServiceDeployment ROLLBACK).`
            : `The ${name} (${run.targetArn}) answered FAILED.`,
      };
    }
    if (run.status === 'TIMED_OUT' && run.timeoutAction === 'ROLLBACK') {
      return { rollback: `The ${name} timed out; its timeout action is ROLLBACK.` };
    }
  }
  return runs.every((r) => r.status === 'SUCCEEDED' || r.status === 'TIMED_OUT') ? 'done' : 'waiting';
}

/** ContinueServiceDeployment on a run: only a pause hook AWAITING_ACTION takes a decision. */
export function decideHookRun(runs: HookRun[], hookId: string, action: HookAction): void {
  const run = runs.find((r) => r.hookId === hookId);
  if (!run) throw invalid(`The lifecycle hook ${hookId} is not active in this service deployment.`);
  // "The pause hook must be in AWAITING_ACTION status."
  // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/continue-service-deployment.html
  if (run.targetType !== 'PAUSE' || run.status !== 'AWAITING_ACTION' || run.decision)
    throw invalid(`The lifecycle hook ${hookId} is ${run.targetType} ${run.status}, not a pause hook awaiting action.`);
  run.decision = action;
  run.status = action === 'CONTINUE' ? 'SUCCEEDED' : 'FAILED';
}

export function describeHookRun(run: HookRun) {
  return {
    hookId: run.hookId,
    targetType: run.targetType,
    ...(run.targetArn ? { targetArn: run.targetArn } : {}),
    status: run.status,
    expiresAt: run.expiresAt,
    timeoutAction: run.timeoutAction,
  };
}
