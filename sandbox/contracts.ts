/**
 * Contracts between the parts of the local AWS sandbox, so each part can be built and tested on
 * its own:
 *
 *   server / protocol / control API  (sandbox/server.ts, sandbox/protocol.ts, sandbox/control.ts)
 *   ECR, ECS, STS                   (sandbox/services/ecr.ts, ecs.ts, sts.ts)   -> implement EcsInternals
 *   CodeDeploy                      (sandbox/services/codedeploy.ts)            -> uses EcsInternals, LoadBalancer
 *   runtime: clock, images + docker shim, tasks (child processes), load balancer (reverse proxies)
 *                                   (sandbox/runtime/*)
 *
 * Everything here is in-process TypeScript; the only outside contract is AWS's wire protocol
 * (JSON 1.1 with X-Amz-Target) and the /_sandbox/ control API, documented in sandbox/README.md.
 */

// ---------------------------------------------------------------------------------------------
// Protocol

/**
 * An error answered in AWS's JSON 1.1 shape: HTTP status, `{"__type": code, "message": ...}` and
 * the `x-amzn-errortype` header, so SDK v3 raises the exception class named `code`.
 * https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html#operation-error-serialization
 */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** What every operation handler receives besides its input. */
export interface CallContext {
  service: ServiceName;
  operation: string;
  requestId: string;
  /** Account and region the sandbox pretends to be (from the request's credential scope when present). */
  account: string;
  region: string;
}

export type ServiceName = 'ecr' | 'ecs' | 'codedeploy' | 'sts' | 'logs' | 'elbv2';

/** One AWS operation: JSON input in, JSON output out, AwsError for AWS's errors. */
export type OperationHandler = (input: Record<string, unknown>, ctx: CallContext) => Promise<unknown> | unknown;

/** A service's operations by name (`DescribeServices`, ...). Unknown names get AWS's UnknownOperationException. */
export type ServiceHandlers = Record<string, OperationHandler>;

/** One entry of GET /_sandbox/calls. */
export interface CallRecord {
  service: ServiceName;
  operation: string;
  /** ISO time the call arrived. */
  time: string;
  /** AWS error code when it failed (ThrottlingException, ServiceNotFoundException, ...). */
  errorCode?: string;
  durationMs: number;
}

// ---------------------------------------------------------------------------------------------
// Time

/**
 * Sandbox time. Durations AWS defines (health check intervals, linear steps, termination waits)
 * are divided by `scale` (SANDBOX_TIME_SCALE), so a 10-minute linear deployment takes 10 s at 60.
 * Timestamps in API answers are real wall-clock times.
 */
export interface SandboxClock {
  readonly scale: number;
  now(): Date;
  /** Sleeps `awsMs` of AWS time (awsMs / scale real ms); rejects when `signal` aborts. */
  sleep(awsMs: number, signal?: AbortSignal): Promise<void>;
  toRealMs(awsMs: number): number;
}

// ---------------------------------------------------------------------------------------------
// Faults (POST /_sandbox/faults replaces the whole set; {} clears them)

export interface FaultSet {
  /** Fraction (0..1) of calls answered ThrottlingException, per operation name or '*' for all. */
  throttle?: Record<string, number>;
  /** Extra latency in real ms before answering, per operation name or '*'. */
  latencyMs?: Record<string, number>;
  /** CodeDeploy lifecycle event to fail in the next deployments, e.g. 'AfterAllowTestTraffic'. */
  failLifecycleEvent?: string;
  /** The AppSpec hook (Lambda function name or ARN) that reports Failed in the next deployments. */
  failHook?: { functionName: string; message?: string; logTail?: string };
  /** Tasks started from now on whose image or task definition matches crash (exit 1) after this many AWS ms. */
  crashNewTasks?: { afterMs: number; imageContains?: string };
  /** Tasks started from now on whose image matches fail their health checks. */
  unhealthyNewTasks?: { imageContains?: string };
  /** What ECS lifecycle hooks of type AWS_LAMBDA answer, per function ARN or '*' (default SUCCEEDED). */
  lambdaHooks?: Record<string, 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS'>;
  /**
   * Operation name -> AWS error code it answers, with AWS's HTTP status for that error, e.g.
   * `{ "StopDeployment": "AccessDeniedException" }`.
   */
  errors?: Record<string, string>;
  /** CodeDeploy reports lifecycle events that run no hook as `Skipped` instead of `Succeeded`. */
  skipHooklessLifecycleEvents?: boolean;
}

export interface FaultSource {
  current(): FaultSet;
}

// ---------------------------------------------------------------------------------------------
// Images (runtime/images.ts; written by the docker shim through POST /_sandbox/build)

/** What the Dockerfile says about running the image. RUN steps are recorded, not executed. */
export interface ImageConfig {
  workdir: string;
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
  exposedPorts: number[];
  user?: string;
  /** HEALTHCHECK CMD, if the Dockerfile has one. */
  healthcheck?: { test: string[]; intervalMs: number; timeoutMs: number; retries: number; startPeriodMs: number };
  skippedRunSteps: string[];
}

export interface StoredImage {
  /** `sha256:<hex>` of the manifest: the digest ECR reports. */
  digest: string;
  manifest: string;
  manifestMediaType: string;
  sizeInBytes: number;
  config: ImageConfig;
  /** A folder holding the image's files as the Dockerfile's COPY instructions laid them out. */
  rootDir: string;
}

export interface ImageStore {
  get(digest: string): StoredImage | undefined;
  put(image: StoredImage): void;
}

// ---------------------------------------------------------------------------------------------
// Tasks (runtime/tasks.ts): each task is a child process

export interface TaskSpec {
  taskArn: string;
  image: StoredImage;
  /** The task definition's container: command overrides CMD, environment adds to ENV. */
  containerName: string;
  command?: string[];
  entryPoint?: string[];
  environment: Record<string, string>;
  /** The container port the task definition maps; the process gets a free local port in PORT instead. */
  containerPort: number;
  /** Set as HOSTNAME, like ip-10-0-12-34.eu-west-1.compute.internal: each task has its own. */
  hostname: string;
  /** The container health check of the task definition (or the image's HEALTHCHECK). */
  healthCheck?: { command: string[]; intervalMs: number; timeoutMs: number; retries: number; startPeriodMs: number };
  /** AWS ms between SIGTERM and SIGKILL (ECS stopTimeout, default 30 s). */
  stopTimeoutMs: number;
  /** Faults to apply to this task (decided by ECS when the task starts). */
  crashAfterMs?: number;
  unhealthy?: boolean;
  /** RUNNING as soon as the process starts (a one-off task need not listen on its port). */
  runningOnStart?: boolean;
}

export type TaskHealth = 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY';

export interface RunningTask {
  readonly spec: TaskSpec;
  /** 127.0.0.1 and the port the process listens on. */
  readonly host: string;
  readonly port: number;
  readonly lastStatus: 'PENDING' | 'RUNNING' | 'STOPPED';
  readonly health: TaskHealth;
  readonly startedAt?: Date;
  readonly stoppedAt?: Date;
  readonly stoppedReason?: string;
  readonly exitCode?: number;
  /** Last lines the process printed, for diagnostics. */
  readonly logTail: string[];
  /** Called on every change of lastStatus or health. */
  onChange(listener: (task: RunningTask) => void): void;
  /** SIGTERM, then SIGKILL after stopTimeoutMs; resolves once the process is gone. */
  stop(reason: string): Promise<void>;
}

export interface TaskRunner {
  start(spec: TaskSpec): RunningTask;
  /** Stops every task it started; used by Sandbox.stop(). */
  stopAll(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Load balancer (runtime/loadbalancer.ts): each listener is a real local reverse proxy

export interface TargetGroupOptions {
  name: string;
  healthCheckPath: string;
  /** AWS ms; ALB defaults 30 s interval, 5 s timeout, 5 healthy / 2 unhealthy thresholds. */
  healthCheckIntervalMs?: number;
  healthyThreshold?: number;
  unhealthyThreshold?: number;
  /** AWS ms a deregistered target keeps serving in-flight requests (default 300 s). */
  deregistrationDelayMs?: number;
}

export interface Target {
  id: string;
  host: string;
  port: number;
}

export interface TargetGroup {
  readonly arn: string;
  readonly name: string;
  register(target: Target): void;
  /** Stops new requests to the target at once; resolves when in-flight ones finished or the delay passed. */
  deregister(targetId: string): Promise<void>;
  /** healthy | initial | unhealthy | draining, per target. */
  targetHealth(): { target: Target; state: 'initial' | 'healthy' | 'unhealthy' | 'draining' }[];
}

export interface Listener {
  readonly arn: string;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** The forward action's weighted target groups (weights 0..100, AWS's ALB semantics: 0 gets none). */
  setWeights(weights: { targetGroupArn: string; weight: number }[]): void;
  weights(): { targetGroupArn: string; weight: number }[];
  /** Requests served, and failed (5xx the proxy produced), per target group, for tests and the demo. */
  stats(): Record<string, { served: number; failed: number }>;
}

export interface LoadBalancer {
  createTargetGroup(options: TargetGroupOptions): TargetGroup;
  targetGroup(arn: string): TargetGroup | undefined;
  /** CodeDeploy deployment groups name target groups by name, not ARN. */
  targetGroupByName(name: string): TargetGroup | undefined;
  /** Starts a proxy on a free port (or `port`). */
  createListener(name: string, weights: { targetGroupArn: string; weight: number }[], port?: number): Promise<Listener>;
  listener(arn: string): Listener | undefined;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// What ECS offers CodeDeploy (sandbox/services/ecs.ts implements it; codedeploy.ts uses it)

export interface TaskSetInfo {
  id: string;
  taskSetArn: string;
  /** PRIMARY | ACTIVE | DRAINING */
  status: 'PRIMARY' | 'ACTIVE' | 'DRAINING';
  taskDefinition: string;
  targetGroupArn?: string;
  desiredCount: number;
  pendingCount: number;
  runningCount: number;
  /** Running tasks whose health is HEALTHY and whose target is healthy in the target group. */
  healthyCount: number;
  /** PENDING | STABILIZING | STEADY_STATE */
  stabilityStatus: 'STEADY_STATE' | 'STABILIZING';
  /** stoppedReason of tasks of this set that stopped, newest first. */
  stoppedReasons: string[];
}

export interface ServiceForDeployment {
  serviceArn: string;
  clusterName: string;
  serviceName: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  deploymentController: 'CODE_DEPLOY' | 'ECS' | 'EXTERNAL';
  desiredCount: number;
  /** The service's load balancer entry (container name and port, the blue target group). */
  loadBalancer?: { targetGroupArn: string; containerName: string; containerPort: number };
  taskSets: TaskSetInfo[];
}

export interface TaskDefinitionSummary {
  taskDefinitionArn: string;
  family: string;
  revision: number;
  status: 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS';
  containerDefinitions: { name: string; image: string; portMappings?: { containerPort?: number }[] }[];
}

export interface EcsInternals {
  /** A registered task definition by ARN (or family:revision), undefined when there is none. */
  taskDefinition(arnOrFamilyRevision: string): TaskDefinitionSummary | undefined;
  /** Throws AwsError ServiceNotFoundException / ClusterNotFoundException as ECS would. */
  service(cluster: string, service: string): ServiceForDeployment;
  /** Starts a task set of `desiredCount` tasks (scale: percent of the service's desired count). */
  createTaskSet(
    cluster: string,
    service: string,
    opts: {
      taskDefinition: string;
      targetGroupArn: string;
      containerName: string;
      containerPort: number;
      externalId?: string;
      scalePercent?: number;
    },
  ): TaskSetInfo;
  taskSet(cluster: string, service: string, taskSetId: string): TaskSetInfo;
  updateTaskSetScale(cluster: string, service: string, taskSetId: string, scalePercent: number): void;
  /** Makes it PRIMARY (the service's taskDefinition follows); the former primary becomes ACTIVE. */
  setPrimaryTaskSet(cluster: string, service: string, taskSetId: string): void;
  /** Deregisters its targets (draining), stops its tasks, removes it. */
  deleteTaskSet(cluster: string, service: string, taskSetId: string): Promise<void>;
  /** Adds a service event (newest first in DescribeServices, as ECS does). */
  addServiceEvent(cluster: string, service: string, message: string): void;
}

// ---------------------------------------------------------------------------------------------
// The whole sandbox (sandbox/server.ts)

export interface SandboxOptions {
  /** Port to listen on; 0 or undefined picks a free one. */
  port?: number;
  /** SANDBOX_TIME_SCALE: AWS seconds per real second (default 1). */
  timeScale?: number;
  account?: string;
  region?: string;
  /** Where image files and task folders live (default a fresh temporary folder, removed on stop). */
  dataDir?: string;
  /** Log sandbox activity (task starts and stops, deployments) to stderr. */
  verbose?: boolean;
  /**
   * SANDBOX_TASK_START_SECONDS: AWS seconds from a task's creation to its process starting (Fargate
   * provisioning, network interface, image pull). AWS takes 30-45 s or longer; the sandbox starts
   * at once unless asked (default 0), so tests stay fast; the release timeline asks for it.
   */
  taskStartSeconds?: number;
}

/**
 * What sandbox/services/codedeploy.ts exports, for server.ts to mount:
 *   createCodeDeployService(deps: CodeDeployDeps): CodeDeployService
 */
export interface CodeDeployDeps {
  ecs: EcsInternals;
  lb: LoadBalancer;
  clock: SandboxClock;
  faults: FaultSource;
  account: string;
  region: string;
  log?: (message: string) => void;
}

export interface CodeDeployService {
  handlers: ServiceHandlers;
  /** For GET /_sandbox/state. */
  state(): unknown;
  /** Ends every running deployment engine (POST /_sandbox/reset, Sandbox.stop()). */
  stop(): Promise<void>;
}

export interface Sandbox {
  /** http://127.0.0.1:<port>: the value for AWS_ENDPOINT_URL. */
  readonly endpoint: string;
  readonly port: number;
  /** Environment for clients: AWS_ENDPOINT_URL, AWS_REGION, dummy credentials, PATH with the docker shim first. */
  clientEnv(): Record<string, string>;
  calls(): CallRecord[];
  /** Stops every listener, proxy and task process and removes the data folder. */
  stop(): Promise<void>;
}
