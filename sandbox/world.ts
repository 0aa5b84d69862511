/**
 * Everything of one region. AWS keeps each region apart: its ARNs, repository URIs and registry
 * host name the region, and a resource made in one is not seen from another. The sandbox answers
 * each request in the region of its signature (the credential scope), so it keeps one World per
 * region, made on the first request signed for it.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/Registries.html
 */
import type {
  CodeDeployService,
  FaultSet,
  ImageStore,
  SandboxClock,
  ServiceHandlers,
  ServiceName,
  TaskRunner,
} from './contracts.js';
import type { StackRequest, StackResult } from './control.js';
import { createLoadBalancer, type SandboxLoadBalancer } from './runtime/loadbalancer.js';
import { createTaskRunner } from './runtime/tasks.js';
import { createCodeDeployService } from './services/codedeploy.js';
import { createEcrService, type EcrService } from './services/ecr.js';
import { createEcsService, type EcsService } from './services/ecs.js';
import { createLogsService, type LogsService } from './services/logs.js';
import { createSecretStore, type SecretStore } from './services/secrets.js';

/** The listeners and target groups a stack created, for state and tests. */
export interface StackRecord extends StackResult {
  request: StackRequest;
}

export interface World {
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

/** What every region's World shares: the account, the clock, the task folder, the image store. */
export interface WorldParts {
  account: string;
  /** The sandbox's own region. */
  region: string;
  clock: SandboxClock;
  dataDir: string;
  images: ImageStore;
  faults: { current: () => FaultSet };
  log: (message: string) => void;
  /** AWS ms before a task's process starts (SandboxOptions.taskStartSeconds). */
  taskStartMs?: number;
}

export interface Worlds {
  /** The World of `region`, made on its first use. */
  of(region: string): World;
  /** The sandbox's own region: the in-process API (stack, build, lb, ecs) works there. */
  home(): World;
  all(): World[];
  /** Forgets every World (the next use makes a new one) and returns them, to tear down. */
  forget(): World[];
  /** Each operation of `service`, answered from the World of the request's region. */
  handlersFor(service: ServiceName): ServiceHandlers | undefined;
}

export function createWorlds(parts: WorldParts): Worlds {
  const { account, region, clock, dataDir, images, faults: faultSource, log, taskStartMs } = parts;

  function makeWorld(region: string): World {
    const lb = createLoadBalancer({ clock, account, region });
    const tasks = createTaskRunner({ dataDir, clock, log, startDelayMs: taskStartMs });
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

  const home = () => worldFor(region);
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

  return {
    of: worldFor,
    home,
    all: () => [...worlds.values()],
    forget() {
      const old = [...worlds.values()];
      worlds.clear();
      return old;
    },
    handlersFor,
  };
}

/** Stops what a World runs: deployments first, then services, their tasks, and the listeners. */
export async function tearDown(world: World): Promise<void> {
  await Promise.allSettled([world.codedeploy.stop()]);
  await Promise.allSettled([world.ecs.stop()]);
  await Promise.allSettled([world.tasks.stopAll()]);
  await Promise.allSettled([world.lb.close()]);
}

/** The region of an ECR registry host of `account` (`<account>.dkr.ecr.<region>.amazonaws.com`), if it is one. */
export function registryRegion(account: string, host: string): string | undefined {
  const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host);
  return match && match[1] === account ? match[2] : undefined;
}
