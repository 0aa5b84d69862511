/**
 * The ECS sandbox's state: clusters, services, their fleets (task sets for the CODE_DEPLOY and
 * EXTERNAL controllers, deployments for the ECS controller) and tasks.
 */
import { randomBytes } from 'node:crypto';
import type { RunningTask } from '../contracts.js';
import type { HookRun } from './ecs-hooks.js';
import type { ContainerDefinition, TaskDefinition } from './ecs-taskdefs.js';

export interface Cluster {
  name: string;
  arn: string;
  status: 'ACTIVE' | 'INACTIVE';
  createdAt: Date;
  settings: unknown[];
  tags: unknown[];
  services: Map<string, Service>;
  tasks: EcsTask[];
}

export interface LoadBalancerEntry {
  targetGroupArn: string;
  containerName: string;
  containerPort: number;
  advancedConfiguration?: {
    alternateTargetGroupArn: string;
    productionListenerRule: string;
    testListenerRule?: string;
    roleArn?: string;
  };
}

export type ControllerType = 'ECS' | 'CODE_DEPLOY' | 'EXTERNAL';

export interface ServiceEvent {
  id: string;
  createdAt: Date;
  message: string;
}

export interface Service {
  name: string;
  arn: string;
  cluster: Cluster;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  desiredCount: number;
  controller: ControllerType;
  loadBalancers: LoadBalancerEntry[];
  /** Task sets (CODE_DEPLOY, EXTERNAL) or deployments (ECS), PRIMARY first. */
  fleets: Fleet[];
  events: ServiceEvent[];
  createdAt: Date;
  launchType: string;
  platformVersion: string;
  networkConfiguration?: unknown;
  healthCheckGracePeriodSeconds?: number;
  deploymentConfiguration: DeploymentConfiguration;
  tags: unknown[];
  /** CreateService/UpdateService enableECSManagedTags and propagateTags (AWS answers false / NONE when never set). */
  enableECSManagedTags: boolean;
  propagateTags: 'SERVICE' | 'TASK_DEFINITION' | 'NONE';
  steady: boolean;
  serviceDeployments: ServiceDeployment[];
  /** BLUE_GREEN: the target group production traffic goes to now (the service's or the alternate). */
  productionTargetGroupArn?: string;
}

export interface DeploymentConfiguration {
  maximumPercent: number;
  minimumHealthyPercent: number;
  deploymentCircuitBreaker: { enable: boolean; rollback: boolean };
  strategy?: 'ROLLING' | 'BLUE_GREEN' | 'LINEAR' | 'CANARY';
  bakeTimeInMinutes?: number;
  linearConfiguration?: { stepPercent?: number; stepBakeTimeInMinutes?: number };
  canaryConfiguration?: { canaryPercent?: number; canaryBakeTimeInMinutes?: number };
  /** As given; read with parseLifecycleHooks (ecs-hooks.ts). */
  lifecycleHooks?: unknown;
  [key: string]: unknown;
}

export interface Fleet {
  kind: 'taskSet' | 'deployment';
  /** ecs-svc/<19 digits>, as ECS names task sets and deployments. */
  id: string;
  arn: string;
  service: Service;
  status: 'PRIMARY' | 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  taskDefinition: TaskDefinition;
  container: ContainerDefinition;
  targetGroupArn?: string;
  containerName?: string;
  containerPort?: number;
  /** Task sets: percent of the service's desired count. */
  scalePercent: number;
  /** Deployments: the task count the scheduler keeps. */
  desiredCount: number;
  externalId?: string;
  startedBy: string;
  tasks: EcsTask[];
  createdAt: Date;
  updatedAt: Date;
  failedTasks: number;
  consecutiveFailures: number;
  /** Real ms time before which no task is launched (backoff after failures). */
  nextLaunchAt: number;
  rolloutState?: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  rolloutStateReason?: string;
  stabilityStatusAt: Date;
  /** Service revision ARN (ECS controller). */
  revisionArn?: string;
}

export interface EcsTask {
  id: string;
  arn: string;
  cluster: Cluster;
  service?: Service;
  fleet?: Fleet;
  taskDefinition: TaskDefinition;
  container: ContainerDefinition;
  containerPort: number;
  image: string;
  imageDigest?: string;
  startedBy: string;
  group: string;
  desiredStatus: 'RUNNING' | 'STOPPED';
  lastStatus: string;
  healthStatus: 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY';
  hasHealthCheck: boolean;
  createdAt: Date;
  startedAt?: Date;
  stoppingAt?: Date;
  stoppedAt?: Date;
  stoppedReason?: string;
  stopCode?: string;
  exitCode?: number;
  running?: RunningTask;
  targetGroupArn?: string;
  registered: boolean;
  hostname: string;
  privateIp: string;
  availabilityZone: string;
  /** Set when this task's stop was decided by the scheduler or a user (not a crash). */
  stopping: boolean;
  /** Started by RunTask: RUNNING once its process starts, whether or not it listens on a port. */
  standalone?: boolean;
  /** RunTask's overrides.containerOverrides as given; DescribeTasks answers them. */
  containerOverrides?: Record<string, unknown>[];
}

export type ServiceDeploymentStatus =
  | 'PENDING'
  | 'IN_PROGRESS'
  | 'SUCCESSFUL'
  | 'STOPPED'
  | 'STOP_REQUESTED'
  | 'ROLLBACK_REQUESTED'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_SUCCESSFUL'
  | 'ROLLBACK_FAILED';

/**
 * The lifecycle stages of an ECS service deployment, in AWS's order.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html
 */
export const LIFECYCLE_STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'CLEAN_UP',
] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

export interface ServiceDeployment {
  arn: string;
  service: Service;
  status: ServiceDeploymentStatus;
  statusReason?: string;
  lifecycleStage?: LifecycleStage;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  stoppedAt?: Date;
  updatedAt: Date;
  target: Fleet;
  sources: Fleet[];
  /** The lifecycle hooks running at the current stage (lifecycleHookDetails). */
  hookRuns: HookRun[];
  /** Traffic weights requested per fleet id (BLUE_GREEN, LINEAR, CANARY). */
  productionWeights: Map<string, number>;
  testWeights: Map<string, number>;
  rollback?: { reason: string; startedAt: Date; serviceRevisionArn: string };
  deploymentConfiguration: DeploymentConfiguration;
  circuitBreaker: { status: 'MONITORING' | 'TRIGGERED' | 'DISABLED'; failureCount: number; threshold: number };
  abort: AbortController;
  stopRequest?: 'ROLLBACK' | 'ABORT';
}

export function ecsId(): string {
  // ECS task set and deployment ids: ecs-svc/ followed by 19 digits.
  let digits = String(1 + Math.floor(Math.random() * 9));
  while (digits.length < 19) digits += String(Math.floor(Math.random() * 10));
  return `ecs-svc/${digits}`;
}

export function taskId(): string {
  return randomBytes(16).toString('hex');
}

export function eventId(): string {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
