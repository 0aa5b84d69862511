/** What the deploy logic receives instead of reaching for I/O itself, and what it records. */
import type { Clock } from '../../../lib/cancel.js';
import type { Logger } from '../../../lib/log.js';
import type { CodeDeployApi, EcsApi } from './discovery.js';
import type { Elbv2Api } from './expected-timeline.js';
import type { LogsApi } from './run-task.js';

/** The outcome of HTTP checks against the test listener (the test-traffic gate). */
export interface TestTrafficResult {
  passed: boolean;
  /** One line for the log, and the reason when they failed. */
  message: string;
}

export interface DeployDeps {
  ecs: EcsApi;
  codedeploy: CodeDeployApi;
  clock: Clock;
  logger: Logger;
  /** Aborts on SIGINT/SIGTERM. */
  signal: AbortSignal;
  region: string;
  /** Remembers a value for the post step (core.saveState in the action). */
  saveState(name: string, value: string): void;
  /** Runs the smoke checks against the test listener; absent when no checker is wired. */
  checkTestTraffic?(url: string, signal: AbortSignal): Promise<TestTrafficResult>;
  /** ELBv2, for the target groups' settings in the expected timeline; absent: those phases say unknown. */
  elbv2?: Elbv2Api;
  /** CloudWatch Logs, for a one-off task's last log lines; absent: the failure shows none. */
  logs?: LogsApi;
  /** The commit being deployed (GITHUB_SHA), named in a one-off task's startedBy. */
  commit?: string;
}

/** Keys shared with the post step. */
export const STATE = {
  kind: 'deployment-kind',
  id: 'deployment-id',
  finished: 'deployment-finished',
  /** 'true' when the main step itself decided to stop it (timeout, failed checks) and the stop failed. */
  stopFailed: 'deployment-stop-failed',
} as const;

export interface LifecycleRow {
  name: string;
  status: string;
  startTime?: Date;
  endTime?: Date;
}

export interface TrafficStep {
  time: Date;
  blue: number;
  green: number;
}

/** A stopped task of the new revision, for the summary's verdict and log links. */
export interface StoppedTask {
  id: string;
  reason: string;
  exitCode?: number;
}

/** What a deployment did, gathered while watching it, for the job summary. */
export interface DeploymentRecord {
  kind: 'codedeploy' | 'ecs';
  id: string;
  application?: string;
  deploymentGroup?: string;
  status?: string;
  lifecycle: LifecycleRow[];
  traffic: TrafficStep[];
  startTime: Date;
  endTime?: Date;
  /** Set when the action stopped it (timeout, cancel, failed test traffic). */
  stoppedBecause?: string;
  rollbackId?: string;
  rollbackStatus?: string;
  /** How traffic moves: the CodeDeploy deployment config or the ECS strategy. */
  strategy?: string;
  /** The new revision's stopped tasks, when a failure was explained. */
  stoppedTasks?: StoppedTask[];
  /** timeout-minutes ran out after AfterAllowTraffic: green serves production, CodeDeploy still terminates blue. */
  finishingTermination?: boolean;
  /** wait: false: the action returned after creating it; nobody watches it to the end. */
  notWatched?: boolean;
}
