/**
 * The bundled action (dist/index.js) run as a process against the local AWS sandbox, for what a
 * team needs around a release: a one-off task before the deployment (run-task-command), AppSpec
 * hooks, description, wait: false and YAML templates.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { CodeDeployClient, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { fixtureBuildRequest, startSandbox, type RunningSandbox } from '../../../sandbox/index.js';
import { runAction, type ActionRun, type RunActionOptions } from '../../../testing/run-action.js';
import { versionsServed } from '../../../testing/sample-app.js';

const TIME_SCALE = 60;
const REGION = 'eu-west-1';
const CONTAINER = 'app';
const PORT = 8080;
const MUTATING = /^(Register|Create|Update|Stop|Continue|Delete|Deregister|Put|Run)/;
const SHA = '0123456789abcdef0123456789abcdef01234567';

let sandbox: RunningSandbox;
let ecs: ECSClient;
let codedeploy: CodeDeployClient;
const images: Record<string, string> = {};
let workdir: string;
let serviceCount = 0;

const image = (version: string) => images[version]!;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface Stack {
  service: string;
  cluster: string;
  productionUrl: string;
}

/** A fresh service running v1 (own family, target groups and listeners); CodeDeploy unless told. */
async function newStack(options: { deploymentConfig?: string; controller?: 'ECS' } = {}): Promise<Stack> {
  serviceCount++;
  const service = `job${serviceCount}`;
  const cluster = 'main';
  const registered = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: service,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        { name: CONTAINER, image: image('v1'), essential: true, portMappings: [{ containerPort: PORT }] },
      ],
    }),
  );
  const result = await sandbox.stack({
    cluster,
    service,
    taskDefinition: registered.taskDefinition!.taskDefinitionArn!,
    containerName: CONTAINER,
    containerPort: PORT,
    desiredCount: 1,
    ...(options.controller === 'ECS'
      ? { controller: 'ECS' as const, strategy: 'ROLLING' as const }
      : {
          controller: 'CODE_DEPLOY' as const,
          codedeployApplication: `${service}-app`,
          deploymentGroup: `${service}-dg`,
        }),
    deploymentConfig: options.deploymentConfig,
    terminationWaitMinutes: 0,
  });
  return { service, cluster, productionUrl: result.productionUrl };
}

function deployAction(inputs: Record<string, string>, options: Partial<RunActionOptions> = {}): Promise<ActionRun> {
  return runAction('deploy-bluegreen', {
    inputs: { 'container-name': CONTAINER, 'poll-interval-seconds': '0.2', ...inputs },
    env: { ...sandbox.clientEnv(), GITHUB_SHA: SHA, ...options.env },
    killAfterMs: 90_000,
    cwd: workdir,
    ...options,
  });
}

const operationsSince = (n: number) => sandbox.calls(n).map((c) => c.operation);

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: TIME_SCALE, region: REGION });
  const env = sandbox.clientEnv();
  const config = {
    region: REGION,
    endpoint: env.AWS_ENDPOINT_URL,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
  };
  ecs = new ECSClient(config);
  codedeploy = new CodeDeployClient(config);
  await new ECRClient(config).send(new CreateRepositoryCommand({ repositoryName: 'job' }));
  for (const version of ['v1', 'v2']) {
    const { digest } = await sandbox.build(fixtureBuildRequest([`${sandbox.registry}/job:${version}`], { version }));
    images[version] = `${sandbox.registry}/job@${digest}`;
  }
  workdir = mkdtempSync(join(tmpdir(), 'deploy-bluegreen-run-task-'));
}, 60_000);

afterAll(async () => {
  ecs?.destroy();
  codedeploy?.destroy();
  await sandbox?.stop();
}, 30_000);

describe('run-task-command', () => {
  test('exit code 3 fails the step before CreateDeployment with the exit code and the last log lines; production keeps v1', async () => {
    const stack = await newStack();
    const before = sandbox.calls().length;
    const run = await deployAction({
      cluster: stack.cluster,
      service: stack.service,
      image: image('v2'),
      'log-group': '/ecs/job',
      'run-task-command': JSON.stringify([
        '/bin/sh',
        '-c',
        'echo migrating users; echo "column email missing" >&2; exit 3',
      ]),
    });
    expect(run.code).toBe(1);
    const error = run.errors.join('\n');
    expect(error).toMatch(/failed with exit code 3\. Nothing was deployed\./);
    expect(error).toMatch(/Stop reason: EssentialContainerExited: Essential container in task exited/);
    expect(error).toMatch(
      /log lines \(\/ecs\/job app\/app\/[0-9a-f]{32}\):\n {2}migrating users\n {2}column email missing/,
    );
    expect(run.outputs['run-task-exit-code']).toBe('3');
    expect(run.outputs['run-task-arn']).toMatch(/^arn:aws:ecs:eu-west-1:\d{12}:task\/main\/[0-9a-f]{32}$/);
    expect(run.outputs.deployed).toBe('false');
    const operations = operationsSince(before);
    expect(operations).toContain('RunTask');
    expect(operations).toContain('GetLogEvents');
    expect(operations).not.toContain('CreateDeployment');
    expect(await versionsServed(stack.productionUrl)).toEqual(['v1', 'v1', 'v1', 'v1', 'v1']);

    // The task ran in the service's network, named by the suite and the commit.
    const listed = await ecs.send(
      new ListTasksCommand({
        cluster: stack.cluster,
        startedBy: 'deploy-bluegreen/0123456789ab',
        desiredStatus: 'STOPPED',
      }),
    );
    expect(listed.taskArns).toContain(run.outputs['run-task-arn']);
  }, 120_000);

  test('exit code 0 goes on to a deployment that succeeds', async () => {
    const stack = await newStack();
    const before = sandbox.calls().length;
    const run = await deployAction({
      cluster: stack.cluster,
      service: stack.service,
      image: image('v2'),
      'run-task-command': JSON.stringify(['node', '-e', 'console.log("migrated", process.env.VERSION)']),
    });
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ deployed: 'true', status: 'Succeeded', 'run-task-exit-code': '0' });
    const operations = operationsSince(before);
    expect(operations.indexOf('RunTask')).toBeGreaterThan(operations.indexOf('RegisterTaskDefinition'));
    expect(operations.indexOf('CreateDeployment')).toBeGreaterThan(operations.indexOf('RunTask'));
    expect(run.summary).toContain('run-task-exit-code');
    expect(await versionsServed(stack.productionUrl)).toEqual(['v2', 'v2', 'v2', 'v2', 'v2']);
  }, 120_000);

  test('an image that cannot be pulled fails with the stop reason, before CreateDeployment', async () => {
    const stack = await newStack();
    const before = sandbox.calls().length;
    const run = await deployAction({
      cluster: stack.cluster,
      service: stack.service,
      image: `${sandbox.registry}/job:missing`,
      'run-task-command': '["node", "migrate.js"]',
    });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toMatch(/failed before its container exited[\s\S]*CannotPullContainerError/);
    expect(run.outputs['run-task-exit-code']).toBeUndefined();
    expect(operationsSince(before)).not.toContain('CreateDeployment');
  }, 120_000);

  test('cancel during the task stops it (StopTask) and deploys nothing', async () => {
    const stack = await newStack();
    const before = sandbox.calls().length;
    let child: ChildProcess | undefined;
    let signalledAt = 0;
    const run = await deployAction(
      {
        cluster: stack.cluster,
        service: stack.service,
        image: image('v2'),
        'run-task-command': '["/bin/sh", "-c", "echo long migration; sleep 60"]',
      },
      {
        onStart: (c) => (child = c),
        onStdout: (text) => {
          if (!signalledAt && /waiting for it to stop/.test(text)) {
            signalledAt = Date.now();
            child!.kill('SIGINT');
          }
        },
      },
    );
    expect(signalledAt).toBeGreaterThan(0);
    expect(run.code).toBe(1);
    expect(Date.now() - signalledAt).toBeLessThan(7000);
    expect(run.errors.join('\n')).toMatch(
      /Cancelled: received SIGINT while the run-task-command task .* ran: stopped it/,
    );
    const operations = operationsSince(before);
    expect(operations).toContain('StopTask');
    expect(operations).not.toContain('CreateDeployment');
    const described = await ecs.send(
      new DescribeTasksCommand({ cluster: stack.cluster, tasks: [run.outputs['run-task-arn']!] }),
    );
    expect(described.tasks?.[0]?.desiredStatus).toBe('STOPPED');
  }, 120_000);

  test('run-task-timeout-minutes stops a task that runs too long', async () => {
    const stack = await newStack();
    const before = sandbox.calls().length;
    const run = await deployAction({
      cluster: stack.cluster,
      service: stack.service,
      image: image('v2'),
      'run-task-command': '["/bin/sh", "-c", "sleep 60"]',
      'run-task-timeout-minutes': '0.05',
    });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toMatch(/still RUNNING after 3s \(run-task-timeout-minutes\): stopped it/);
    expect(operationsSince(before)).toContain('StopTask');
    expect(operationsSince(before)).not.toContain('CreateDeployment');
  }, 120_000);

  test('with register-only it runs the task in the service network and deploys nothing', async () => {
    const stack = await newStack();
    const template = join(workdir, 'register-only.json');
    writeFileSync(
      template,
      JSON.stringify({
        family: `${stack.service}-migrate`,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: CONTAINER, image: image('v2'), essential: true }],
      }),
    );
    const before = sandbox.calls().length;
    const run = await deployAction({
      cluster: stack.cluster,
      service: stack.service,
      'task-definition': template,
      'register-only': 'true',
      'run-task-command': '["node", "-e", "process.exit(0)"]',
    });
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'registered', deployed: 'false', 'run-task-exit-code': '0' });
    expect(operationsSince(before)).not.toContain('CreateDeployment');
  }, 120_000);

  test.each([
    ['"node migrate.js"', /Input 'run-task-command' has the value .*a non-empty JSON array of strings/],
    ['["node", 3]', /Input 'run-task-command' .*a non-empty JSON array of strings/],
    ['[node]', /Input 'run-task-command' .*a JSON array of strings, e\.g\. \["node", "migrate\.js"\]/],
  ])(
    'a bad run-task-command (%s) fails before any write',
    async (command, message) => {
      const stack = await newStack();
      const before = sandbox.calls().length;
      const run = await deployAction({
        cluster: stack.cluster,
        service: stack.service,
        image: image('v2'),
        'run-task-command': command,
      });
      expect(run.code).toBe(1);
      expect(run.errors.join('\n')).toMatch(message);
      expect(operationsSince(before).filter((op) => MUTATING.test(op))).toEqual([]);
    },
    60_000,
  );
});

describe('hooks', () => {
  test('each hook result is in the log and the AppSpec carries the hooks', async () => {
    const stack = await newStack();
    const run = await deployAction({
      cluster: stack.cluster,
      service: stack.service,
      image: image('v2'),
      hooks:
        'AfterAllowTestTraffic=validate-web\nBeforeInstall=arn:aws:lambda:eu-west-1:123456789012:function:prepare-web',
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /BeforeInstall \(hook arn:aws:lambda:eu-west-1:123456789012:function:prepare-web\): Succeeded/,
    );
    expect(run.stdout).toMatch(/AfterAllowTestTraffic \(hook validate-web\): Succeeded/);
  }, 120_000);

  test('a failed hook fails the deployment with its diagnostics and rolls back', async () => {
    const stack = await newStack();
    sandbox.faults({
      failHook: {
        functionName: 'validate-web',
        message: 'GET /health answered 503',
        logTail: 'checked 3 URLs\n1 failed',
      },
    });
    try {
      const run = await deployAction({
        cluster: stack.cluster,
        service: stack.service,
        image: image('v2'),
        hooks: 'AfterAllowTestTraffic=validate-web',
      });
      expect(run.code).toBe(1);
      const error = run.errors.join('\n');
      expect(error).toMatch(/in lifecycle event AfterAllowTestTraffic/);
      expect(error).toMatch(/AfterAllowTestTraffic \(hook validate-web\): ScriptFailed: GET \/health answered 503/);
      expect(error).toMatch(/Log tail:\nchecked 3 URLs\n1 failed/);
      expect(error).toMatch(/Rollback deployment d-\w+: Succeeded/);
    } finally {
      sandbox.faults({});
    }
    expect(await versionsServed(stack.productionUrl)).toEqual(['v1', 'v1', 'v1', 'v1', 'v1']);
  }, 120_000);

  test.each([
    ['Install=validate-web', /line 1: 'Install' is not an ECS lifecycle event that takes a hook/],
    ['AfterInstall=a\nAfterInstall=b', /line 2: AfterInstall is hooked twice/],
    ['AfterInstall', /line 1 must be EventName=function-name-or-arn/],
    ['AfterInstall=not a function', /line 1: 'not a function' is not a Lambda function name or ARN/],
  ])(
    'a bad hooks line (%s) fails before any write',
    async (hooks, message) => {
      const stack = await newStack();
      const before = sandbox.calls().length;
      const run = await deployAction({ cluster: stack.cluster, service: stack.service, image: image('v2'), hooks });
      expect(run.code).toBe(1);
      expect(run.errors.join('\n')).toMatch(/Input 'hooks'/);
      expect(run.errors.join('\n')).toMatch(message);
      expect(operationsSince(before).filter((op) => MUTATING.test(op))).toEqual([]);
    },
    60_000,
  );
});

describe('description and wait', () => {
  test('wait: false returns in under 2 s after CreateDeployment with the id, status and console link', async () => {
    const stack = await newStack({ deploymentConfig: 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes' });
    const before = sandbox.calls().length;
    const run = await deployAction({
      cluster: stack.cluster,
      service: stack.service,
      image: image('v2'),
      wait: 'false',
      description: 'release 2026.12 (#812)',
    });
    const exitedAt = Date.now();
    expect(run.code).toBe(0);
    const create = sandbox.calls(before).find((c) => c.operation === 'CreateDeployment');
    expect(create).toBeDefined();
    const returnedAfter = exitedAt - new Date(create!.time).getTime();
    console.log(`wait: false -> the process exited ${returnedAfter} ms after CreateDeployment`);
    expect(returnedAfter).toBeLessThan(2000);
    expect(run.outputs['deployment-id']).toMatch(/^d-[A-Z0-9]{9}$/);
    expect(run.outputs.deployed).toBe('false');
    expect(['Created', 'Queued', 'InProgress']).toContain(run.outputs.status);
    expect(run.stdout).toContain(`codedeploy/deployments/${run.outputs['deployment-id']}?region=eu-west-1`);
    expect(run.summary).toMatch(/Nobody is watching it/);
    const info = await codedeploy.send(new GetDeploymentCommand({ deploymentId: run.outputs['deployment-id'] }));
    expect(info.deploymentInfo?.description).toMatch(
      /^deploy-bluegreen job\d+:2 job@sha256:[0-9a-f]{12} - release 2026\.12 \(#812\)$/,
    );
  }, 120_000);

  test('a description too long for CodeDeploy is cut to 100 characters with a warning', async () => {
    const stack = await newStack();
    const run = await deployAction({
      cluster: stack.cluster,
      service: stack.service,
      image: image('v2'),
      wait: 'false',
      description: 'x'.repeat(120),
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /::warning::The deployment description is \d+ characters and CodeDeploy takes at most 100/,
    );
    const info = await codedeploy.send(new GetDeploymentCommand({ deploymentId: run.outputs['deployment-id'] }));
    expect(info.deploymentInfo?.description).toHaveLength(100);
    expect(info.deploymentInfo?.description).toMatch(/x\.\.\.$/);
  }, 120_000);
});

describe('YAML templates', () => {
  test('a YAML template and the equivalent JSON give the same definition, and the second run is a no-op', async () => {
    const stack = await newStack();
    const definition = {
      family: stack.service,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: CONTAINER,
          image: image('v2'),
          essential: true,
          portMappings: [{ containerPort: PORT }],
          environment: [{ name: 'FEATURE', value: 'on' }],
        },
      ],
    };
    const yamlFile = join(workdir, `${stack.service}.yaml`);
    writeFileSync(
      yamlFile,
      [
        `family: ${stack.service}`,
        'networkMode: awsvpc',
        'requiresCompatibilities: [FARGATE]',
        "cpu: '256'",
        'memory: 512',
        'containerDefinitions:',
        `  - name: ${CONTAINER}`,
        `    image: ${image('v2')}`,
        '    essential: true',
        '    portMappings:',
        `      - containerPort: ${PORT}`,
        '    environment:',
        '      - name: FEATURE',
        '        value: on # a string in YAML 1.2, as in JSON',
        '',
      ].join('\n'),
    );
    const jsonFile = join(workdir, `${stack.service}.json`);
    writeFileSync(jsonFile, JSON.stringify(definition));

    const first = await deployAction({ cluster: stack.cluster, service: stack.service, 'task-definition': yamlFile });
    expect(first.code).toBe(0);
    expect(first.outputs.deployed).toBe('true');
    const registered = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: first.outputs['task-definition-arn'] }),
    );
    expect(registered.taskDefinition?.containerDefinitions?.[0]?.environment).toEqual([
      { name: 'FEATURE', value: 'on' },
    ]);
    expect(registered.taskDefinition?.memory).toBe('512');

    const before = sandbox.calls().length;
    const second = await deployAction({ cluster: stack.cluster, service: stack.service, 'task-definition': jsonFile });
    expect(second.code).toBe(0);
    expect(second.outputs).toMatchObject({
      status: 'unchanged',
      'task-definition-arn': first.outputs['task-definition-arn'],
    });
    expect(operationsSince(before).filter((op) => MUTATING.test(op))).toEqual([]);
  }, 120_000);

  test('a YAML error names its line', async () => {
    const file = join(workdir, 'broken.yml');
    writeFileSync(file, 'family: web\ncontainerDefinitions:\n  - name: app\n    image: [unclosed\n');
    const run = await deployAction({ cluster: 'main', service: 'nothing', 'task-definition': file });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toMatch(/Input 'task-definition' has the value .*broken\.yml.*line \d+, column \d+/);
  }, 60_000);
});

describe('ECS-controller services: desired-count and force-new-deployment', () => {
  test('force-new-deployment deploys the unchanged revision again and says so; desired-count goes with it', async () => {
    const stack = await newStack({ controller: 'ECS' });
    const running = (await ecs.send(new DescribeServicesCommand({ cluster: stack.cluster, services: [stack.service] })))
      .services![0]!.taskDefinition!;
    const before = sandbox.calls().length;
    const run = await deployAction({
      cluster: stack.cluster,
      service: stack.service,
      image: image('v1'),
      'force-new-deployment': 'true',
      'desired-count': '2',
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/force-new-deployment: .* already runs .*; deploying it again anyway/);
    expect(run.outputs).toMatchObject({
      deployed: 'true',
      'task-definition-changed': 'false',
      'task-definition-arn': running,
    });
    const operations = operationsSince(before);
    expect(operations).toContain('UpdateService');
    expect(operations).not.toContain('RegisterTaskDefinition');
    const service = (await ecs.send(new DescribeServicesCommand({ cluster: stack.cluster, services: [stack.service] })))
      .services![0]!;
    expect(service.desiredCount).toBe(2);
    expect(service.runningCount).toBe(2);
  }, 120_000);

  test('desired-count alone on an unchanged service scales it without a new deployment', async () => {
    const stack = await newStack({ controller: 'ECS' });
    const run = await deployAction({
      cluster: stack.cluster,
      service: stack.service,
      image: image('v1'),
      'desired-count': '3',
    });
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'unchanged', deployed: 'false' });
    expect(run.stdout).toMatch(/desired-count: set main\/job\d+ from 1 to 3 tasks \(no new deployment\)/);
    const service = (await ecs.send(new DescribeServicesCommand({ cluster: stack.cluster, services: [stack.service] })))
      .services![0]!;
    expect(service.desiredCount).toBe(3);
    expect(service.deployments).toHaveLength(1);
  }, 120_000);

  test.each([
    [{ 'force-new-deployment': 'true' }, 'Input \'force-new-deployment\' has the value "true"'],
    [{ 'desired-count': '2' }, 'Input \'desired-count\' has the value "2"'],
    [{ 'enable-ecs-managed-tags': 'true' }, 'Input \'enable-ecs-managed-tags\' has the value "true"'],
    [{ 'propagate-tags': 'SERVICE' }, 'Input \'propagate-tags\' has the value "SERVICE"'],
  ])(
    'a CODE_DEPLOY service refuses %j before any write',
    async (extra, message) => {
      const stack = await newStack();
      const before = sandbox.calls().length;
      const run = await deployAction({ cluster: stack.cluster, service: stack.service, image: image('v2'), ...extra });
      expect(run.code).toBe(1);
      expect(run.errors.join('\n')).toContain(message);
      expect(run.errors.join('\n')).toContain('uses the CODE_DEPLOY deployment controller');
      expect(operationsSince(before).filter((op) => MUTATING.test(op))).toEqual([]);
    },
    60_000,
  );

  test('enable-ecs-managed-tags and propagate-tags go with the deployment, in its one UpdateService', async () => {
    const stack = await newStack({ controller: 'ECS' });
    const before = sandbox.calls().length;
    const run = await deployAction({
      cluster: stack.cluster,
      service: stack.service,
      image: image('v2'),
      'enable-ecs-managed-tags': 'true',
      'propagate-tags': 'TASK_DEFINITION',
    });
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ deployed: 'true', 'task-definition-changed': 'true' });
    expect(operationsSince(before).filter((op) => op === 'UpdateService')).toHaveLength(1);
    const service = (await ecs.send(new DescribeServicesCommand({ cluster: stack.cluster, services: [stack.service] })))
      .services![0]!;
    expect([service.enableECSManagedTags, service.propagateTags]).toEqual([true, 'TASK_DEFINITION']);
    expect(service.taskDefinition).toBe(run.outputs['task-definition-arn']);
  }, 120_000);

  test('tag settings alone on an unchanged service are set without a new deployment, and said so', async () => {
    const stack = await newStack({ controller: 'ECS' });
    const run = await deployAction({
      cluster: stack.cluster,
      service: stack.service,
      image: image('v1'),
      'propagate-tags': 'SERVICE',
      'enable-ecs-managed-tags': 'false',
    });
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'unchanged', deployed: 'false' });
    expect(run.stdout).toMatch(/propagate-tags: set main\/job\d+ from NONE to SERVICE \(no new deployment;/);
    // enableECSManagedTags is already false: nothing to say about it.
    expect(run.stdout).not.toMatch(/enable-ecs-managed-tags: set/);
    const service = (await ecs.send(new DescribeServicesCommand({ cluster: stack.cluster, services: [stack.service] })))
      .services![0]!;
    expect([service.enableECSManagedTags, service.propagateTags]).toEqual([false, 'SERVICE']);
    expect(service.deployments).toHaveLength(1);

    // Run again with the same settings: nothing to change, no write at all.
    const before = sandbox.calls().length;
    const again = await deployAction({
      cluster: stack.cluster,
      service: stack.service,
      image: image('v1'),
      'propagate-tags': 'SERVICE',
    });
    expect(again.code).toBe(0);
    expect(operationsSince(before).filter((op) => MUTATING.test(op))).toEqual([]);
  }, 120_000);

  test.each([
    [{ 'propagate-tags': 'TASK' }, /Input 'propagate-tags' has the value "TASK".*SERVICE, TASK_DEFINITION, NONE/],
    [{ 'enable-ecs-managed-tags': 'yes' }, /Input 'enable-ecs-managed-tags' has the value "yes".*true or false/],
  ])(
    'a bad tag setting (%j) fails before any AWS call',
    async (extra, message) => {
      const before = sandbox.calls().length;
      const run = await deployAction({ cluster: 'main', service: 'anything', image: image('v2'), ...extra });
      expect(run.code).toBe(1);
      expect(run.errors.join('\n')).toMatch(message);
      expect(sandbox.calls(before)).toEqual([]);
    },
    60_000,
  );

  test('wait: false returns in under 2 s after UpdateService with the service deployment ARN, status and console link', async () => {
    const stack = await newStack({ controller: 'ECS' });
    const before = sandbox.calls().length;
    const run = await deployAction({
      cluster: stack.cluster,
      service: stack.service,
      image: image('v2'),
      wait: 'false',
    });
    const exitedAt = Date.now();
    expect(run.code).toBe(0);
    const update = sandbox.calls(before).find((c) => c.operation === 'UpdateService');
    expect(update).toBeDefined();
    const returnedAfter = exitedAt - new Date(update!.time).getTime();
    console.log(`wait: false (ECS controller) -> the process exited ${returnedAfter} ms after UpdateService`);
    expect(returnedAfter).toBeLessThan(2000);
    expect(run.outputs['deployment-id']).toMatch(
      new RegExp(`^arn:aws:ecs:eu-west-1:\\d{12}:service-deployment/main/${stack.service}/`),
    );
    expect(run.outputs.deployed).toBe('false');
    expect(['PENDING', 'IN_PROGRESS']).toContain(run.outputs.status);
    expect(run.stdout).toContain(`/ecs/v2/clusters/main/services/${stack.service}/deployments?region=eu-west-1`);
    expect(run.summary).toMatch(/Nobody is watching it/);
    // Nobody watched: no poll of the deployment after the one status read.
    const after = operationsSince(before);
    expect(after.slice(after.indexOf('UpdateService'))).toEqual(['UpdateService', 'DescribeServiceDeployments']);
    // Marked finished: the post step, given what the step saved as the runner does, leaves it alone.
    expect(run.state['deployment-finished']).toBe('true');
    const state = Object.fromEntries(Object.entries(run.state).map(([name, value]) => [`STATE_${name}`, value]));
    const beforePost = sandbox.calls().length;
    const post = await runAction('deploy-bluegreen', {
      entry: 'post',
      env: { ...sandbox.clientEnv(), ...state },
      killAfterMs: 30_000,
    });
    expect(post.code).toBe(0);
    expect(sandbox.calls(beforePost)).toEqual([]);
  }, 120_000);

  test('hooks on an ECS-controller service fail before any write', async () => {
    const stack = await newStack({ controller: 'ECS' });
    const before = sandbox.calls().length;
    const run = await deployAction({
      cluster: stack.cluster,
      service: stack.service,
      image: image('v2'),
      hooks: 'AfterInstall=validate-web',
    });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toMatch(/Input 'hooks' .*AppSpec hooks are run by CodeDeploy/);
    expect(operationsSince(before).filter((op) => MUTATING.test(op))).toEqual([]);
  }, 60_000);
});

describe('secrets', () => {
  const dbSecret = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:job-db-AbCdEf';
  const apiKey = 'arn:aws:ssm:eu-west-1:123456789012:parameter/job/api-key';

  function templateWithSecrets(family: string, secrets: { name: string; valueFrom: string }[]): string {
    const file = join(workdir, `${family}-secrets.json`);
    writeFileSync(
      file,
      JSON.stringify({
        family,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        executionRoleArn: 'arn:aws:iam::123456789012:role/job-execution',
        containerDefinitions: [
          { name: CONTAINER, image: image('v2'), essential: true, portMappings: [{ containerPort: PORT }], secrets },
        ],
      }),
    );
    return file;
  }

  test("a template's secrets (a JSON key of a Secrets Manager secret, an SSM parameter) reach the task's environment, and no value reaches the log", async () => {
    const stack = await newStack();
    sandbox.secrets({ [dbSecret]: JSON.stringify({ password: 's3cr3t-pw' }), [apiKey]: 'key-123' });
    const run = await deployAction({
      cluster: stack.cluster,
      service: stack.service,
      'task-definition': templateWithSecrets(stack.service, [
        { name: 'DB_PASSWORD', valueFrom: `${dbSecret}:password::` },
        { name: 'API_KEY', valueFrom: apiKey },
      ]),
      // Exit 0 only when both values arrived; the command holds their hashes, never the values.
      'run-task-command': JSON.stringify([
        'node',
        '-e',
        `const h = (v) => require("node:crypto").createHash("sha256").update(v ?? "").digest("hex"); process.exit(h(process.env.DB_PASSWORD) === "${sha256('s3cr3t-pw')}" && h(process.env.API_KEY) === "${sha256('key-123')}" ? 0 : 4)`,
      ]),
    });
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ 'run-task-exit-code': '0', deployed: 'true' });
    for (const text of [run.stdout, run.stderr, run.summary]) {
      expect(text).not.toContain('s3cr3t-pw');
      expect(text).not.toContain('key-123');
    }
  }, 120_000);

  test('a missing secret stops the task with ResourceInitializationError, shown in the failure', async () => {
    const stack = await newStack();
    const missing = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:job-missing-ZyXwVu';
    const before = sandbox.calls().length;
    const run = await deployAction({
      cluster: stack.cluster,
      service: stack.service,
      'task-definition': templateWithSecrets(stack.service, [{ name: 'TOKEN', valueFrom: missing }]),
      'run-task-command': '["node", "-e", "process.exit(0)"]',
    });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toMatch(
      /failed before its container exited[\s\S]*Stop reason: TaskFailedToStart: ResourceInitializationError: .*job-missing-ZyXwVu.*ResourceNotFoundException/,
    );
    expect(operationsSince(before)).not.toContain('CreateDeployment');
  }, 120_000);
});
