/**
 * What the sandbox's CodeDeploy keeps: applications, deployment groups and deployments, in the
 * field names of the CodeDeploy API so answers are mostly these records as they are.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentInfo.html
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_ECSTarget.html
 */
import { randomBytes } from 'node:crypto';
import type { TrafficRoutingConfig } from './configs.js';
import type { EcsAppSpec } from './appspec.js';

export type DeploymentStatus =
  'Created' | 'Queued' | 'InProgress' | 'Baking' | 'Ready' | 'Succeeded' | 'Failed' | 'Stopped';
export type TargetStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped' | 'Ready' | 'Unknown';
export type LifecycleEventStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped' | 'Unknown';

/** Statuses in which a deployment still holds its deployment group (one active deployment per group). */
export const ACTIVE_STATUSES: readonly DeploymentStatus[] = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'];

export interface Application {
  applicationId: string;
  applicationName: string;
  createTime: Date;
  linkedToGitHub: boolean;
  computePlatform: 'ECS' | 'Lambda' | 'Server';
  tags: { Key: string; Value?: string }[];
}

export interface BlueGreenDeploymentConfiguration {
  terminateBlueInstancesOnDeploymentSuccess?: {
    action?: 'TERMINATE' | 'KEEP_ALIVE';
    terminationWaitTimeInMinutes?: number;
  };
  deploymentReadyOption?: { actionOnTimeout?: 'CONTINUE_DEPLOYMENT' | 'STOP_DEPLOYMENT'; waitTimeInMinutes?: number };
  greenFleetProvisioningOption?: { action?: string };
}

export interface TargetGroupPairInfo {
  targetGroups?: { name?: string }[];
  prodTrafficRoute?: { listenerArns?: string[] };
  testTrafficRoute?: { listenerArns?: string[] };
}

export interface LoadBalancerInfo {
  targetGroupPairInfoList?: TargetGroupPairInfo[];
  elbInfoList?: { name?: string }[];
  targetGroupInfoList?: { name?: string }[];
}

export interface AutoRollbackConfiguration {
  enabled?: boolean;
  events?: ('DEPLOYMENT_FAILURE' | 'DEPLOYMENT_STOP_ON_ALARM' | 'DEPLOYMENT_STOP_ON_REQUEST')[];
}

export interface LastDeploymentInfo {
  deploymentId: string;
  status: DeploymentStatus;
  endTime?: Date;
  createTime: Date;
}

export interface DeploymentGroup {
  applicationName: string;
  deploymentGroupId: string;
  deploymentGroupName: string;
  deploymentConfigName: string;
  computePlatform: 'ECS' | 'Lambda' | 'Server';
  serviceRoleArn?: string;
  deploymentStyle: {
    deploymentType: 'BLUE_GREEN' | 'IN_PLACE';
    deploymentOption: 'WITH_TRAFFIC_CONTROL' | 'WITHOUT_TRAFFIC_CONTROL';
  };
  blueGreenDeploymentConfiguration: BlueGreenDeploymentConfiguration;
  ecsServices: { serviceName: string; clusterName: string }[];
  loadBalancerInfo: LoadBalancerInfo;
  autoRollbackConfiguration?: AutoRollbackConfiguration;
  alarmConfiguration?: { enabled?: boolean; ignorePollAlarmFailure?: boolean; alarms?: { name?: string }[] };
  triggerConfigurations: unknown[];
  outdatedInstancesStrategy: 'UPDATE' | 'IGNORE';
  terminationHookEnabled: boolean;
  tags: { Key: string; Value?: string }[];
  lastSuccessfulDeployment?: LastDeploymentInfo;
  lastAttemptedDeployment?: LastDeploymentInfo;
  targetRevision?: unknown;
}

export interface Diagnostics {
  errorCode: 'Success' | 'ScriptMissing' | 'ScriptNotExecutable' | 'ScriptTimedOut' | 'ScriptFailed' | 'UnknownError';
  scriptName: string;
  message: string;
  logTail: string;
}

export interface LifecycleEventState {
  lifecycleEventName: string;
  status: LifecycleEventStatus;
  startTime?: Date;
  endTime?: Date;
  diagnostics?: Diagnostics;
}

/** A task set this deployment deals with: `taskSetId` is unset until it exists. */
export interface TaskSetRef {
  taskSetId?: string;
  targetGroupArn: string;
  targetGroupName: string;
}

export interface EcsTargetState {
  cluster: string;
  service: string;
  targetId: string;
  targetArn: string;
  status: TargetStatus;
  lastUpdatedAt: Date;
  lifecycleEvents: LifecycleEventState[];
  /** The original task set (label Blue) and the replacement (label Green), from this deployment's view. */
  blue?: TaskSetRef;
  green?: TaskSetRef;
  /** taskSetsInfo frozen when the deployment ended, so later deployments do not rewrite its history. */
  finalTaskSets?: Record<string, unknown>[];
}

export interface Deployment {
  deploymentId: string;
  applicationName: string;
  deploymentGroupName: string;
  deploymentConfigName: string;
  trafficRoutingConfig?: TrafficRoutingConfig;
  revision: unknown;
  previousRevision?: unknown;
  status: DeploymentStatus;
  errorInformation?: { code: string; message: string };
  createTime: Date;
  startTime?: Date;
  completeTime?: Date;
  description?: string;
  creator: 'user' | 'codeDeployRollback';
  autoRollbackConfiguration?: AutoRollbackConfiguration;
  rollbackInfo?: { rollbackDeploymentId?: string; rollbackTriggeringDeploymentId?: string; rollbackMessage?: string };
  deploymentStyle: DeploymentGroup['deploymentStyle'];
  blueGreenDeploymentConfiguration: BlueGreenDeploymentConfiguration;
  loadBalancerInfo: LoadBalancerInfo;
  instanceTerminationWaitTimeStarted: boolean;
  deploymentStatusMessages: string[];
  externalId?: string;
  /** Parsed AppSpec; a rollback deployment has none (it reroutes to the original task set). */
  appSpec?: EcsAppSpec;
  target: EcsTargetState;
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** `d-` and nine capitals or digits, like `d-7BXGF4ZKC`. */
export function newDeploymentId(): string {
  const bytes = randomBytes(9);
  let id = 'd-';
  for (const byte of bytes) id += ID_ALPHABET[byte % ID_ALPHABET.length];
  return id;
}

export function isActive(deployment: Deployment): boolean {
  return ACTIVE_STATUSES.includes(deployment.status);
}
