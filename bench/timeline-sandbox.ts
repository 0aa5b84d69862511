/**
 * The release timeline recorded, not computed: a blue/green deployment of a new revision run in the
 * sandbox with a release's settings (health checks, deregistration delay, termination wait) and
 * Fargate's task start time, read back from CodeDeploy's own lifecycle event times and scaled to
 * AWS seconds. Then a failed release: the same, stopped with rollback once production serves the
 * new version, as the 5xx alarm would stop it, timed until production is back on the old one.
 *
 * What this cannot record: build and push (the shim's build is real time on this machine), and
 * the alarm's detection delay (no CloudWatch here; bench/timeline.ts computes it). A real
 * process start takes real milliseconds whatever the scale, so each task start adds about
 * `scale` x 0.1-0.3 s of AWS time the model has not; the scale is chosen low enough to keep that
 * small.
 */
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  StopDeploymentCommand,
  type LifecycleEvent,
} from '@aws-sdk/client-codedeploy';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { appSpec } from '../actions/deploy-bluegreen/src/codedeploy/create.js';
import { AWS_TIMINGS as T } from '../sandbox/runtime/aws-timings.js';
import { fixtureBuildRequest, startSandbox, type RunningSandbox } from '../sandbox/index.js';
import type { ReleaseSettings } from './timeline.js';

/** AWS seconds per real second: low, so real process starts (0.1-0.3 s each) stay a few AWS seconds. */
export const RECORDING_TIME_SCALE = 20;

const REPOSITORY = 'timeline';
const CONTAINER = 'app';
const PORT = 8080;

export interface RecordedRelease {
  /** AWS seconds after CreateDeployment. */
  replacementHealthy: number;
  allNew: number;
  end: number;
  /** Each lifecycle event's end, AWS seconds after CreateDeployment. */
  events: { name: string; end: number }[];
  /** A release stopped with rollback once it served: StopDeployment to 100% old, AWS seconds. */
  stopToAllOld: number;
}

export async function recordRelease(settings: ReleaseSettings, scale = RECORDING_TIME_SCALE): Promise<RecordedRelease> {
  const sandbox = await startSandbox({ timeScale: scale, taskStartSeconds: T.fargateTaskStart.seconds });
  try {
    const release = new SandboxRelease(sandbox, settings);
    await release.setUp();
    const good = await release.deploy('v2');
    const stopToAllOld = await release.deployAndStopOnceServing('v3');
    return { ...good, stopToAllOld };
  } finally {
    await sandbox.stop();
  }
}

class SandboxRelease {
  private readonly ecs: ECSClient;
  private readonly codedeploy: CodeDeployClient;
  private readonly config: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  private productionListener = '';
  private blueGroup = '';
  private readonly awsSeconds: (realMs: number) => number;

  constructor(
    private readonly sandbox: RunningSandbox,
    private readonly settings: ReleaseSettings,
  ) {
    const env = sandbox.clientEnv();
    this.config = {
      endpoint: sandbox.endpoint,
      region: sandbox.region,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
    };
    this.ecs = new ECSClient(this.config);
    this.codedeploy = new CodeDeployClient(this.config);
    this.awsSeconds = (realMs) => (realMs * sandbox.clock.scale) / 1000;
  }

  async setUp(): Promise<void> {
    const ecr = new ECRClient(this.config);
    await ecr.send(new CreateRepositoryCommand({ repositoryName: REPOSITORY }));
    ecr.destroy();
    for (const version of ['v1', 'v2', 'v3']) {
      await this.sandbox.build(fixtureBuildRequest([this.image(version)], { version }));
    }
    const stack = await this.sandbox.stack({
      cluster: 'timeline',
      service: 'web',
      taskDefinition: await this.register('v1'),
      containerName: CONTAINER,
      containerPort: PORT,
      desiredCount: 2,
      controller: 'CODE_DEPLOY',
      codedeployApplication: 'timeline',
      deploymentGroup: 'timeline',
      deploymentConfig: this.settings.deploymentConfig,
      terminationWaitMinutes: this.settings.terminationWaitMinutes,
      healthCheckPath: '/health',
      healthCheckIntervalSeconds: this.settings.healthCheckIntervalSeconds,
      healthyThreshold: this.settings.healthyThreshold,
      deregistrationDelaySeconds: this.settings.deregistrationDelaySeconds,
      timeoutMs: 120_000,
    });
    this.productionListener = stack.listeners.production;
    this.blueGroup = stack.targetGroups.blue.arn;
  }

  /** A deployment watched to its end: when the replacement was healthy, served all, and blue was gone. */
  async deploy(version: string): Promise<Omit<RecordedRelease, 'stopToAllOld'>> {
    const id = await this.create(version);
    const info = await this.until(id, (d) => ['Succeeded', 'Failed', 'Stopped'].includes(d.status ?? ''));
    if (info.status !== 'Succeeded') throw new Error(`the recorded release ${id} ended ${info.status}`);
    const created = info.createTime!.getTime();
    const events = await this.events(id);
    const endOf = (name: string) => {
      const end = events.find((e) => e.lifecycleEventName === name)?.endTime;
      if (!end) throw new Error(`the recorded release ${id} has no end time for ${name}`);
      return this.awsSeconds(end.getTime() - created);
    };
    return {
      replacementHealthy: endOf('Install'),
      allNew: endOf('AllowTraffic'),
      end: this.awsSeconds(info.completeTime!.getTime() - created),
      events: events.map((e) => ({ name: e.lifecycleEventName!, end: endOf(e.lifecycleEventName!) })),
    };
  }

  /** Stopped with rollback once production serves it; AWS seconds until production is on blue again. */
  async deployAndStopOnceServing(version: string): Promise<number> {
    const id = await this.create(version);
    for (;;) {
      const allowTraffic = (await this.events(id)).find((e) => e.lifecycleEventName === 'AllowTraffic');
      if (allowTraffic?.status === 'Succeeded') break;
      if (allowTraffic?.status === 'Failed')
        throw new Error(`the failed-release recording ${id} failed at AllowTraffic`);
      await pause(20);
    }
    const listener = this.sandbox.lb.listener(this.productionListener)!;
    // Production serves the replacement now: the target group blue was on holds none of it.
    const oldGroup = listener.weights().find((w) => w.weight === 0)?.targetGroupArn ?? this.blueGroup;
    const stopped = Date.now();
    await this.codedeploy.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }));
    for (;;) {
      if (listener.weights().some((w) => w.targetGroupArn === oldGroup && w.weight === 100)) break;
      if (Date.now() - stopped > 120_000) throw new Error(`production never went back to the old version after ${id}`);
      await pause(5);
    }
    const back = this.awsSeconds(Date.now() - stopped);
    // Let the rollback finish so the sandbox stops cleanly.
    await this.until(id, (d) => ['Succeeded', 'Failed', 'Stopped'].includes(d.status ?? ''));
    return back;
  }

  private image(version: string): string {
    return `${this.sandbox.registry}/${REPOSITORY}:${version}`;
  }

  private async register(version: string): Promise<string> {
    const out = await this.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'timeline',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          {
            name: CONTAINER,
            image: this.image(version),
            essential: true,
            portMappings: [{ containerPort: PORT, protocol: 'tcp' }],
          },
        ],
      }),
    );
    return out.taskDefinition!.taskDefinitionArn!;
  }

  private async create(version: string): Promise<string> {
    const taskDefinition = await this.register(version);
    // The AppSpec deploy-bluegreen sends, so the recording deploys what the action would.
    const { content } = appSpec({ taskDefinitionArn: taskDefinition, containerName: CONTAINER, containerPort: PORT });
    const out = await this.codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: 'timeline',
        deploymentGroupName: 'timeline',
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content } },
      }),
    );
    return out.deploymentId!;
  }

  private async events(id: string): Promise<LifecycleEvent[]> {
    const out = await this.codedeploy.send(
      new GetDeploymentTargetCommand({ deploymentId: id, targetId: 'timeline:web' }),
    );
    return out.deploymentTarget?.ecsTarget?.lifecycleEvents ?? [];
  }

  private async until(
    id: string,
    done: (info: NonNullable<Awaited<ReturnType<SandboxRelease['deployment']>>>) => boolean,
  ) {
    const started = Date.now();
    for (;;) {
      const info = await this.deployment(id);
      if (info && done(info)) return info;
      if (Date.now() - started > 300_000) throw new Error(`the recorded release ${id} did not end in 5 real minutes`);
      await pause(50);
    }
  }

  private async deployment(id: string) {
    return (await this.codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
