/**
 * The local AWS sandbox: `startSandbox()` starts one HTTP server on 127.0.0.1 that speaks ECR,
 * ECS, CodeDeploy and STS as AWS does, runs tasks as child processes behind real reverse-proxy
 * listeners, and offers the control API under /_sandbox/ (sandbox/README.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AwsError,
  type CallRecord,
  type CodeDeployService,
  type EcsInternals,
  type FaultSet,
  type LoadBalancer,
  type Sandbox,
  type SandboxClock,
  type SandboxOptions,
  type ServiceHandlers,
  type ServiceName,
  type TaskRunner,
} from './contracts.js';
import {
  callInternal,
  ControlError,
  createControlHandler,
  validateStack,
  type StackRequest,
  type StackResult,
} from './control.js';
import { createClock } from './runtime/clock.js';
import { buildImage, BuildRequestError, createImageStore, parseBuildRequest } from './runtime/images.js';
import { createLoadBalancer, type SandboxLoadBalancer } from './runtime/loadbalancer.js';
import { createTaskRunner } from './runtime/tasks.js';
import type { ModelViolation } from './model-check.js';
import { ApiServer } from './server.js';
import { createCodeDeployService } from './services/codedeploy.js';
import { createEcrService, type EcrService } from './services/ecr.js';
import { createEcsService, type EcsService } from './services/ecs.js';
import { createElbv2Service } from './services/elbv2.js';
import { createLogsService, type LogsService } from './services/logs.js';
import { createSecretStore, type SecretStore } from './services/secrets.js';
import { createStsService } from './services/sts.js';

export type { StackRequest, StackResult } from './control.js';
export type { CallRecord, FaultSet, SandboxOptions } from './contracts.js';
export type { ModelViolation } from './model-check.js';

export const DEFAULT_ACCOUNT = '123456789012';
export const DEFAULT_REGION = 'us-east-1';
/** sandbox/bin, where the docker shim lives: first on PATH for clients. */
export const SANDBOX_BIN = fileURLToPath(new URL('./bin', import.meta.url));

/** The listeners and target groups a stack created, for state and tests. */
export interface StackRecord extends StackResult {
  request: StackRequest;
}

export interface RunningSandbox extends Sandbox {
  readonly account: string;
  readonly region: string;
  /** `<account>.dkr.ecr.<region>.amazonaws.com` */
  readonly registry: string;
  readonly clock: SandboxClock;
  /** The current load balancer (a reset makes a new one). */
  readonly lb: LoadBalancer;
  readonly ecs: EcsInternals;
  /** All calls, or those from index `since` on (the same as GET /_sandbox/calls?since=). */
  calls(since?: number): CallRecord[];
  /** POST /_sandbox/secrets in-process: secret values by Secrets Manager ARN or SSM parameter ARN or name. */
  secrets(values: Record<string, string>): void;
  /** Replaces the fault set ({} clears it) and returns it; without an argument returns it. */
  faults(set?: FaultSet): FaultSet;
  state(): unknown;
  /** Forgets every resource, stops every task and listener, clears faults and the call log. */
  reset(): Promise<void>;
  /** POST /_sandbox/stack in-process. */
  stack(request: StackRequest): Promise<StackResult>;
  /** POST /_sandbox/build in-process (a parsed BuildRequest body). */
  build(request: unknown): Promise<{ digest: string; warnings: string[] }>;
  /** Stacks created since the last reset. */
  stacks(): StackRecord[];
  /**
   * Requests and answers that broke AWS's API model since the start (a reset keeps them), and with
   * `clear` forgets them. `stop()` fails while any is left, so a test that made one fails even when
   * its code swallowed the error the sandbox answered.
   */
  modelViolations(clear?: boolean): ModelViolation[];
}

/**
 * Everything of one region. AWS keeps each region apart: its ARNs, repository URIs and registry
 * host name the region, and a resource made in one is not seen from another. The sandbox answers
 * each request in the region of its signature (the credential scope), so it keeps one World per
 * region, made on the first request signed for it.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/Registries.html
 */
interface World {
  region: string;
  lb: SandboxLoadBalancer;
  tasks: TaskRunner;
  ecr: EcrService;
  ecs: EcsService;
  codedeploy: CodeDeployService;
  logs: LogsService;
  secrets: SecretStore;
  stacks: StackRecord[];
}

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const account = options.account ?? DEFAULT_ACCOUNT;
  const region = options.region ?? DEFAULT_REGION;
  const scale = options.timeScale ?? (process.env.SANDBOX_TIME_SCALE ? Number(process.env.SANDBOX_TIME_SCALE) : 1);
  const clock = createClock(scale);
  const ownDataDir = !options.dataDir;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'aws-sandbox-'));
  const log = (message: string) => {
    if (options.verbose) process.stderr.write(`[sandbox] ${message}\n`);
  };
  const images = createImageStore();
  let faults: FaultSet = {};
  const faultSource = { current: () => faults };
  const sts = createStsService(account);

  function makeWorld(region: string): World {
    const lb = createLoadBalancer({ clock, account, region });
    const tasks = createTaskRunner({ dataDir, clock, log });
    const ecr = createEcrService({ account, region, images });
    const logs = createLogsService();
    const secrets = createSecretStore();
    const ecs = createEcsService({
      account,
      region,
      clock,
      tasks,
      lb,
      faults: faultSource,
      // ECS pulls from any region's ECR: the image's registry host names the region.
      resolveImage: (ref) => {
        const imageRegion = registryRegion(account, ref.split('/')[0] ?? '');
        return (imageRegion && imageRegion !== region ? worldFor(imageRegion).ecr : ecr).resolve(ref);
      },
      log,
      logs,
      secrets,
    });
    const codedeploy = createCodeDeployService({
      ecs: ecs.internals,
      lb,
      clock,
      faults: faultSource,
      account,
      region,
      log,
    });
    return { region, lb, tasks, ecr, ecs, codedeploy, logs, secrets, stacks: [] };
  }

  const worlds = new Map<string, World>();
  function worldFor(inRegion: string): World {
    let found = worlds.get(inRegion);
    if (!found) {
      found = makeWorld(inRegion);
      worlds.set(inRegion, found);
      if (inRegion !== region) log(`first request in ${inRegion}: its resources are kept apart from ${region}'s`);
    }
    return found;
  }

  async function tearDown(world: World): Promise<void> {
    await Promise.allSettled([world.codedeploy.stop()]);
    await Promise.allSettled([world.ecs.stop()]);
    await Promise.allSettled([world.tasks.stopAll()]);
    await Promise.allSettled([world.lb.close()]);
  }

  /** The sandbox's own region: the in-process API (stack, build, lb, ecs) works there. */
  const home = () => worldFor(region);
  home();
  const servicesOf = (w: World, service: ServiceName): ServiceHandlers | undefined =>
    service === 'ecr'
      ? w.ecr.handlers
      : service === 'ecs'
        ? w.ecs.handlers
        : service === 'codedeploy'
          ? w.codedeploy.handlers
          : service === 'logs'
            ? w.logs.handlers
            : undefined;
  // Each operation answers from the World of the request's region (ctx.region: the credential scope's).
  const dispatchers = new Map<ServiceName, ServiceHandlers>();
  const handlersFor = (service: ServiceName): ServiceHandlers | undefined => {
    const known = dispatchers.get(service);
    if (known) return known;
    const own = servicesOf(home(), service);
    if (!own) return undefined;
    const dispatcher: ServiceHandlers = {};
    for (const operation of Object.keys(own)) {
      dispatcher[operation] = (input, ctx) => servicesOf(worldFor(ctx.region), service)![operation]!(input, ctx);
    }
    dispatchers.set(service, dispatcher);
    return dispatcher;
  };

  async function stack(body: StackRequest): Promise<StackResult> {
    const request = validateStack(body);
    const w = home();
    const ecsCall = (op: string, input: Record<string, unknown>) =>
      callInternal(w.ecs.handlers, 'ecs', op, input, account, region);
    const cdCall = (op: string, input: Record<string, unknown>) =>
      callInternal(w.codedeploy.handlers, 'codedeploy', op, input, account, region);
    const definition = w.ecs.internals.taskDefinition(request.taskDefinition);
    if (!definition)
      throw new AwsError('ClientException', `TaskDefinition not found: ${request.taskDefinition}. Register it first.`);
    const cluster = (await ecsCall('CreateCluster', { clusterName: request.cluster })).cluster as {
      clusterArn: string;
    };

    // What the service stack's ALB module makes: two target groups, a production and a test listener.
    const healthCheck = {
      healthCheckPath: request.healthCheckPath ?? '/health',
      healthCheckIntervalMs: (request.healthCheckIntervalSeconds ?? 5) * 1000,
      healthyThreshold: request.healthyThreshold ?? 2,
      unhealthyThreshold: request.unhealthyThreshold ?? 2,
      deregistrationDelayMs: (request.deregistrationDelaySeconds ?? 30) * 1000,
    };
    const short = request.service.slice(0, 24);
    const blue = w.lb.createTargetGroup({ name: `${short}-blue`, ...healthCheck });
    const green = w.lb.createTargetGroup({ name: `${short}-green`, ...healthCheck });
    const initialWeights = [
      { targetGroupArn: blue.arn, weight: 100 },
      { targetGroupArn: green.arn, weight: 0 },
    ];
    const production = await w.lb.createListener(`${short}-production`, initialWeights, request.productionPort);
    const test = await w.lb.createListener(`${short}-test`, initialWeights, request.testPort);

    const ecsController = request.controller === 'ECS';
    const strategy = request.strategy ?? 'ROLLING';
    const service = (
      await ecsCall('CreateService', {
        cluster: request.cluster,
        serviceName: request.service,
        taskDefinition: request.taskDefinition,
        desiredCount: request.desiredCount,
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: ['subnet-0sandbox1', 'subnet-0sandbox2'],
            securityGroups: ['sg-0sandbox'],
            assignPublicIp: 'DISABLED',
          },
        },
        healthCheckGracePeriodSeconds: request.healthCheckGracePeriodSeconds ?? 30,
        deploymentController: { type: request.controller },
        loadBalancers: [
          {
            targetGroupArn: blue.arn,
            containerName: request.containerName,
            containerPort: request.containerPort,
            ...(ecsController && strategy !== 'ROLLING'
              ? {
                  advancedConfiguration: {
                    alternateTargetGroupArn: green.arn,
                    productionListenerRule: production.arn,
                    testListenerRule: test.arn,
                    roleArn: `arn:aws:iam::${account}:role/ecs-infrastructure`,
                  },
                }
              : {}),
          },
        ],
        ...(ecsController
          ? {
              deploymentConfiguration: {
                strategy,
                maximumPercent: 200,
                minimumHealthyPercent: 100,
                deploymentCircuitBreaker: { enable: true, rollback: true },
                ...(strategy !== 'ROLLING' ? { bakeTimeInMinutes: request.bakeTimeInMinutes ?? 0 } : {}),
                ...(request.linearConfiguration ? { linearConfiguration: request.linearConfiguration } : {}),
                ...(request.canaryConfiguration ? { canaryConfiguration: request.canaryConfiguration } : {}),
                ...(request.lifecycleHooks ? { lifecycleHooks: request.lifecycleHooks } : {}),
              },
            }
          : {}),
      })
    ).service as { serviceArn: string };

    if (!ecsController) {
      await cdCall('CreateApplication', { applicationName: request.codedeployApplication, computePlatform: 'ECS' });
      await cdCall('CreateDeploymentGroup', {
        applicationName: request.codedeployApplication,
        deploymentGroupName: request.deploymentGroup,
        deploymentConfigName: request.deploymentConfig ?? 'CodeDeployDefault.ECSAllAtOnce',
        serviceRoleArn: `arn:aws:iam::${account}:role/codedeploy-ecs`,
        deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        blueGreenDeploymentConfiguration: {
          deploymentReadyOption:
            request.readyWait === 'STOP'
              ? { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: request.readyWaitMinutes ?? 60 }
              : { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
          terminateBlueInstancesOnDeploymentSuccess: {
            action: 'TERMINATE',
            terminationWaitTimeInMinutes: request.terminationWaitMinutes ?? 5,
          },
        },
        autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'] },
        ecsServices: [{ clusterName: request.cluster, serviceName: request.service }],
        loadBalancerInfo: {
          targetGroupPairInfoList: [
            {
              targetGroups: [{ name: blue.name }, { name: green.name }],
              prodTrafficRoute: { listenerArns: [production.arn] },
              testTrafficRoute: { listenerArns: [test.arn] },
            },
          ],
        },
      });
    }

    await w.ecs.waitForSteadyState(request.cluster, request.service, request.timeoutMs ?? 60_000);
    const result: StackResult = {
      productionUrl: production.url,
      testUrl: test.url,
      clusterArn: cluster.clusterArn,
      serviceArn: service.serviceArn,
      taskDefinition: definition.taskDefinitionArn,
      targetGroups: { blue: { arn: blue.arn, name: blue.name }, green: { arn: green.arn, name: green.name } },
      listeners: { production: production.arn, test: test.arn },
      ...(!ecsController
        ? { codedeployApplication: request.codedeployApplication, deploymentGroup: request.deploymentGroup }
        : {}),
    };
    w.stacks.push({ ...result, request });
    return result;
  }

  async function build(body: unknown): Promise<{ digest: string; warnings: string[] }> {
    let request;
    try {
      request = parseBuildRequest(body);
    } catch (error) {
      if (error instanceof BuildRequestError) throw new ControlError(400, error.message);
      throw error;
    }
    // Check every destination before building, as a push names a missing repository first. The
    // registry host names the region whose ECR receives the image.
    const destinations = request.tags.map((ref) => {
      const match = /^([^/]+)\/([^:@]+)(?::([^@]+))?$/.exec(ref);
      const pushRegion = match ? registryRegion(account, match[1]!) : undefined;
      if (!match || !pushRegion) {
        const registry = home().ecr.registry;
        throw new ControlError(
          400,
          `Cannot push ${ref}: the sandbox's registries are ${account}.dkr.ecr.<region>.amazonaws.com (tag as ${registry}/<repository>:<tag>).`,
        );
      }
      const ecr = worldFor(pushRegion).ecr;
      const repository = match[2]!;
      ecr.assertRepository(repository);
      return { ecr, repository, tag: match[3] ?? 'latest' };
    });
    let built;
    try {
      built = await buildImage(request, { dataDir, store: images });
    } catch (error) {
      throw new ControlError(400, (error as Error).message);
    }
    for (const { ecr, repository, tag } of destinations) ecr.pushImage(repository, tag, built);
    log(`built ${built.digest} for ${request.tags.join(', ') || '(no tags)'}`);
    return { digest: built.digest, warnings: built.warnings };
  }

  function state() {
    const world = home();
    return {
      account,
      region,
      timeScale: clock.scale,
      faults,
      ecr: world.ecr.state(),
      ecs: world.ecs.state(),
      codedeploy: world.codedeploy.state(),
      logs: world.logs.state(),
      secrets: world.secrets.state(),
      stacks: world.stacks.map((s) => {
        const production = world.lb.listener(s.listeners.production);
        const test = world.lb.listener(s.listeners.test);
        return {
          cluster: s.request.cluster,
          service: s.request.service,
          productionUrl: s.productionUrl,
          testUrl: s.testUrl,
          production: production ? { weights: production.weights(), stats: production.stats() } : undefined,
          test: test ? { weights: test.weights(), stats: test.stats() } : undefined,
          targetGroups: [s.targetGroups.blue, s.targetGroups.green].map((g) => ({
            ...g,
            targets: world.lb
              .targetGroup(g.arn)
              ?.targetHealth()
              .map((h) => ({ id: h.target.id, port: h.target.port, state: h.state })),
          })),
        };
      }),
      // Other regions a request was signed for, each apart.
      otherRegions: Object.fromEntries(
        [...worlds.values()]
          .filter((w) => w.region !== region)
          .map((w) => [w.region, { ecr: w.ecr.state(), ecs: w.ecs.state(), codedeploy: w.codedeploy.state() }]),
      ),
    };
  }

  let resetting: Promise<void> | undefined;
  async function reset(): Promise<void> {
    if (resetting) return resetting;
    resetting = (async () => {
      const old = [...worlds.values()];
      worlds.clear();
      home();
      faults = {};
      server.faultsChanged();
      server.calls.length = 0;
      await Promise.all(old.map((w) => tearDown(w)));
    })();
    try {
      await resetting;
    } finally {
      resetting = undefined;
    }
  }

  const setFaults = (set: FaultSet) => {
    faults = set;
    server.faultsChanged();
  };

  const server: ApiServer = new ApiServer({
    account,
    region,
    handlers: handlersFor,
    sts,
    elbv2: (inRegion) => createElbv2Service(worldFor(inRegion).lb),
    faults: () => faults,
    log,
    control: createControlHandler({
      calls: () => server.calls,
      clearCalls: () => void (server.calls.length = 0),
      faults: () => faults,
      setFaults,
      state,
      reset,
      build,
      stack,
      putSecrets: (values) => home().secrets.put(values),
    }),
  });

  let port: number;
  try {
    port = await server.listen(options.port ?? 0);
  } catch (error) {
    await Promise.all([...worlds.values()].map((w) => tearDown(w)));
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  log(`listening on ${endpoint} (time scale ${clock.scale})`);
  let stopped: Promise<void> | undefined;

  return {
    endpoint,
    port,
    account,
    region,
    registry: `${account}.dkr.ecr.${region}.amazonaws.com`,
    clock,
    get lb() {
      return home().lb;
    },
    get ecs() {
      return home().ecs.internals;
    },
    clientEnv() {
      return {
        AWS_ENDPOINT_URL: endpoint,
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        AWS_ACCESS_KEY_ID: 'AKIASANDBOXEXAMPLE00',
        AWS_SECRET_ACCESS_KEY: 'sandbox-secret-access-key',
        AWS_EC2_METADATA_DISABLED: 'true',
        SANDBOX_TIME_SCALE: String(clock.scale),
        PATH: `${SANDBOX_BIN}:${process.env.PATH ?? ''}`,
      };
    },
    calls(since = 0) {
      return server.calls.slice(since);
    },
    faults(set?: FaultSet) {
      if (set) setFaults(set);
      return faults;
    },
    secrets(values: Record<string, string>) {
      home().secrets.put(values);
    },
    state,
    reset,
    stack,
    build,
    stacks: () => home().stacks,
    modelViolations(clear = false) {
      const found = [...server.modelViolations];
      if (clear) server.modelViolations.length = 0;
      return found;
    },
    stop() {
      stopped ??= (async () => {
        await server.close();
        await Promise.all([...worlds.values()].map((w) => tearDown(w)));
        if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
        if (server.modelViolations.length > 0) {
          const lines = server.modelViolations.map(
            (v) => `- ${v.service}.${v.operation} ${v.direction}: ${v.violations.join('; ')}`,
          );
          throw new Error(`The sandbox saw ${lines.length} call(s) breaking AWS's API model:\n${lines.join('\n')}`);
        }
      })();
      return stopped;
    },
  };
}

/** The region of an ECR registry host of `account` (`<account>.dkr.ecr.<region>.amazonaws.com`), if it is one. */
function registryRegion(account: string, host: string): string | undefined {
  const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host);
  return match && match[1] === account ? match[2] : undefined;
}

/**
 * A small image for tests: a node:http server on $PORT answering `/health` (200 "ok") and any
 * other path with JSON `{ hostname, version, path }`, where version is the image's VERSION
 * (`options.version`, default `v1`). Exits 0 on SIGTERM. POST it to /_sandbox/build (or pass it
 * to `sandbox.build`) to get a digest in sandbox ECR.
 */
export function fixtureBuildRequest(tags: string[], options: { version?: string; healthcheck?: boolean } = {}) {
  const server = [
    "const http = require('node:http');",
    'const server = http.createServer((req, res) => {',
    "  if (req.url === '/health') { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok'); return; }",
    "  res.writeHead(200, { 'content-type': 'application/json' });",
    '  res.end(JSON.stringify({ hostname: process.env.HOSTNAME, version: process.env.VERSION, path: req.url }));',
    '});',
    "server.listen(Number(process.env.PORT || 8080), '127.0.0.1');",
    "process.on('SIGTERM', () => server.close(() => process.exit(0)));",
    '',
  ].join('\n');
  const dockerfile = [
    'FROM node:20-alpine',
    'WORKDIR /app',
    'COPY server.js ./',
    `ENV VERSION=${options.version ?? 'v1'}`,
    'EXPOSE 8080',
    ...(options.healthcheck
      ? [
          'HEALTHCHECK --interval=5s --timeout=2s --retries=2 CMD ["node", "-e", "fetch(\'http://127.0.0.1:\'+process.env.PORT+\'/health\').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]',
        ]
      : []),
    'CMD ["node", "server.js"]',
    '',
  ].join('\n');
  return {
    tags,
    dockerfile,
    buildArgs: {},
    platform: 'linux/amd64',
    files: [
      { path: 'server.js', kind: 'file' as const, mode: 0o644, contentBase64: Buffer.from(server).toString('base64') },
    ],
  };
}
