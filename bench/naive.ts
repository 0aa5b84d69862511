/**
 * The naive way to deploy on every push, for comparison: what the starter "Deploy to Amazon ECS"
 * workflow does with aws-actions/amazon-ecr-login, `docker build` + push, amazon-ecs-render-task-definition
 * and amazon-ecs-deploy-task-definition. Nothing is compared with what already runs: the image
 * is built and pushed under a new tag (the commit), a task definition revision is registered,
 * and a CodeDeploy deployment is created and waited for with the SDK's waiter at the
 * deploy-task-definition action's 15 s delay (WAIT_DEFAULT_DELAY_SEC).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentGroupCommand,
  waitUntilDeploymentSuccessful,
} from '@aws-sdk/client-codedeploy';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import {
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';

export interface NaiveTarget {
  env: Record<string, string>;
  workspace: string;
  /** `<registry>/<repository>` */
  repositoryUrl: string;
  tag: string;
  cluster: string;
  service: string;
  codedeployApplication: string;
  deploymentGroup: string;
  /** The deploy action's codedeploy-deployment-config input; default the group's. */
  deploymentConfigName?: string;
  containerName: string;
  containerPort: number;
  executionRoleArn: string;
  taskRoleArn: string;
}

export interface NaiveResult {
  wallMs: number;
  buildMs: number;
  deployMs: number;
  taskDefinitionArn: string;
  deploymentId: string;
}

/**
 * Runs the docker CLI (the sandbox's shim on PATH). Asynchronous: the sandbox may serve from this
 * very process, and a blocked event loop would never answer the shim.
 */
function docker(target: NaiveTarget, args: string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, {
      cwd: target.workspace,
      env: { ...process.env, ...target.env },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`docker ${args[0]} exited ${code}: ${stderr.slice(-1500)}`)),
    );
    child.stdin.end(input ?? '');
  });
}

/** The deploy-task-definition action's default waiter delay. */
const WAIT_DELAY_SECONDS = 15;

export async function naiveDeploy(target: NaiveTarget): Promise<NaiveResult> {
  const config = {
    endpoint: target.env.AWS_ENDPOINT_URL,
    region: target.env.AWS_REGION,
    credentials: { accessKeyId: target.env.AWS_ACCESS_KEY_ID!, secretAccessKey: target.env.AWS_SECRET_ACCESS_KEY! },
  };
  const ecr = new ECRClient(config);
  const ecs = new ECSClient(config);
  const codedeploy = new CodeDeployClient(config);
  const started = Date.now();
  try {
    // amazon-ecr-login, then docker build and push (always).
    const token = await ecr.send(new GetAuthorizationTokenCommand({}));
    const auth = token.authorizationData?.[0];
    const password = Buffer.from(auth?.authorizationToken ?? '', 'base64')
      .toString()
      .replace(/^AWS:/, '');
    const registry = target.repositoryUrl.split('/')[0]!;
    const image = `${target.repositoryUrl}:${target.tag}`;
    await docker(target, ['login', '--username', 'AWS', '--password-stdin', registry], password);
    await docker(target, ['buildx', 'build', '--push', '--platform', 'linux/amd64', '-t', image, 'app']);
    const buildMs = Date.now() - started;

    // amazon-ecs-render-task-definition: the template with the image swapped in.
    const template = JSON.parse(
      readFileSync(join(target.workspace, 'app', 'task-definition.json'), 'utf8'),
    ) as RegisterTaskDefinitionCommandInput;
    for (const container of template.containerDefinitions ?? []) {
      if (container.name === target.containerName) container.image = image;
    }
    template.executionRoleArn = target.executionRoleArn;
    template.taskRoleArn = target.taskRoleArn;

    // amazon-ecs-deploy-task-definition: register (always), then deploy (always) and wait.
    const registered = await ecs.send(new RegisterTaskDefinitionCommand(template));
    const taskDefinitionArn = registered.taskDefinition!.taskDefinitionArn!;
    await ecs.send(new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] }));
    await codedeploy.send(
      new GetDeploymentGroupCommand({
        applicationName: target.codedeployApplication,
        deploymentGroupName: target.deploymentGroup,
      }),
    );
    const appSpec = {
      version: '0.0',
      Resources: [
        {
          TargetService: {
            Type: 'AWS::ECS::Service',
            Properties: {
              TaskDefinition: taskDefinitionArn,
              LoadBalancerInfo: { ContainerName: target.containerName, ContainerPort: target.containerPort },
            },
          },
        },
      ],
    };
    const created = await codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: target.codedeployApplication,
        deploymentGroupName: target.deploymentGroup,
        deploymentConfigName: target.deploymentConfigName,
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content: JSON.stringify(appSpec) } },
      }),
    );
    const deploymentId = created.deploymentId!;
    await waitUntilDeploymentSuccessful(
      { client: codedeploy, minDelay: WAIT_DELAY_SECONDS, maxWaitTime: 30 * 60 },
      { deploymentId },
    );
    return {
      wallMs: Date.now() - started,
      buildMs,
      deployMs: Date.now() - started - buildMs,
      taskDefinitionArn,
      deploymentId,
    };
  } finally {
    ecr.destroy();
    ecs.destroy();
    codedeploy.destroy();
  }
}
