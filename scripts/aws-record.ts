/**
 * Records the answers of the read calls the actions make (DescribeServices,
 * DescribeTaskDefinition, GetDeployment, GetDeploymentTarget, DescribeServiceDeployments,
 * DescribeImages) for one phase of a release, with account ids, ARNs and the environment's name
 * redacted, so a recording from a real account can be published and compared with the sandbox's
 * answers to the same calls (scripts/aws-compare.ts).
 *
 *   tsx scripts/aws-record.ts --phase change --out recordings/aws --cluster C --service S \
 *     --repository R --image <registry>/<repo>@sha256:<digest> --deployment-id d-XXXXXXXXX --name e2e-123
 *
 * The clients take the region, credentials and endpoint from the environment as the actions do
 * (AWS_ENDPOINT_URL reaches the sandbox). `npm run demo` writes the sandbox's side of the same
 * recordings when DEMO_RECORD_DIR names a folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { CodeDeployClient, GetDeploymentCommand, GetDeploymentTargetCommand } from '@aws-sdk/client-codedeploy';
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
} from '@aws-sdk/client-ecs';

/** What to read after a phase; a call whose target is missing is left out. */
export interface ReadTargets {
  cluster?: string;
  service?: string;
  /** Default: the task definition DescribeServices names. */
  taskDefinition?: string;
  deploymentId?: string;
  repository?: string;
  /** `<registry>/<repo>@sha256:<digest>` (build-image's image output) or a bare `sha256:` digest. */
  image?: string;
}

export interface RecordedCall {
  service: 'ecs' | 'codedeploy' | 'ecr';
  operation: string;
  request: unknown;
  /** The answer without the SDK's $metadata; absent when the call failed. */
  response?: unknown;
  error?: { name: string; message: string };
}

export interface Recording {
  phase: string;
  /** Where the answers came from, e.g. `aws` or `sandbox`. */
  source: string;
  calls: RecordedCall[];
}

export interface Clients {
  ecs: ECSClient;
  codedeploy: CodeDeployClient;
  ecr: ECRClient;
}

// ---------------------------------------------------------------------------------------------
// Redaction

/** An AWS account id: twelve digits standing alone (epoch milliseconds have thirteen). */
const ACCOUNT_ID = /(?<![0-9])[0-9]{12}(?![0-9])/g;
/** An ARN: keeps partition, service, region and resource type; the rest goes. */
const ARN = /arn:(aws[\w-]*):([\w-]+):([\w-]*):([0-9]{12}|<account>)?:([\w-]+[/:]?)[^\s"',]*/g;

/**
 * A copy of `value` with ARNs reduced to `arn:aws:<service>:<region>:<account>:<type>/<redacted>`,
 * every account id (also in registry hosts) replaced by `<account>`, and each of `names` (the
 * environment's resource-name prefix) by `<name>`, so two environments' answers compare equal.
 */
export function redact(value: unknown, names: string[] = []): unknown {
  if (typeof value === 'string') {
    let text = value
      .replace(ARN, (_m, partition: string, service: string, region: string, _account, type: string) => {
        const sep = /[/:]$/.test(type) ? '' : '/';
        return `arn:${partition}:${service}:${region}:<account>:${type}${sep}<redacted>`;
      })
      .replace(ACCOUNT_ID, '<account>');
    for (const name of names.filter(Boolean)) text = text.split(name).join('<name>');
    return text;
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => redact(item, names));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([key]) => key !== '$metadata')
        .map(([key, item]) => [key, redact(item, names)]),
    );
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// The read calls

export function clientsFromEnvironment(): Clients {
  return { ecs: new ECSClient({}), codedeploy: new CodeDeployClient({}), ecr: new ECRClient({}) };
}

/** Makes the read calls the actions make against these targets; failures are recorded, not thrown. */
export async function recordReads(clients: Clients, targets: ReadTargets): Promise<RecordedCall[]> {
  const calls: RecordedCall[] = [];
  const call = async <T>(
    service: RecordedCall['service'],
    operation: string,
    request: object,
    send: () => Promise<T>,
  ): Promise<T | undefined> => {
    try {
      const response = await send();
      calls.push({ service, operation, request, response });
      return response;
    } catch (error) {
      const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
      calls.push({ service, operation, request, error: { name, message } });
      return undefined;
    }
  };

  const { cluster, service } = targets;
  let taskDefinition = targets.taskDefinition;
  if (cluster && service) {
    const request = { cluster, services: [service] };
    const described = await call('ecs', 'DescribeServices', request, () =>
      clients.ecs.send(new DescribeServicesCommand(request)),
    );
    taskDefinition ??= described?.services?.[0]?.taskDefinition;
  }
  if (taskDefinition) {
    const request = { taskDefinition, include: ['TAGS' as const] };
    await call('ecs', 'DescribeTaskDefinition', request, () =>
      clients.ecs.send(new DescribeTaskDefinitionCommand(request)),
    );
  }
  if (cluster && service) {
    // DescribeServiceDeployments needs ARNs; the newest few are what a watch reads.
    const list = { cluster, service, maxResults: 3 };
    const listed = await clients.ecs.send(new ListServiceDeploymentsCommand(list)).catch(() => undefined);
    const arns = (listed?.serviceDeployments ?? []).map((d) => d.serviceDeploymentArn!).filter(Boolean);
    if (arns.length) {
      const request = { serviceDeploymentArns: arns };
      await call('ecs', 'DescribeServiceDeployments', request, () =>
        clients.ecs.send(new DescribeServiceDeploymentsCommand(request)),
      );
    }
  }
  if (targets.deploymentId) {
    const request = { deploymentId: targets.deploymentId };
    await call('codedeploy', 'GetDeployment', request, () =>
      clients.codedeploy.send(new GetDeploymentCommand(request)),
    );
    if (cluster && service) {
      // The ECS target id CodeDeploy uses: <cluster>:<service>.
      const target = { deploymentId: targets.deploymentId, targetId: `${cluster}:${service}` };
      await call('codedeploy', 'GetDeploymentTarget', target, () =>
        clients.codedeploy.send(new GetDeploymentTargetCommand(target)),
      );
    }
  }
  const digest = /(sha256:[0-9a-f]{64})$/.exec(targets.image ?? '')?.[1];
  if (targets.repository && digest) {
    const request = { repositoryName: targets.repository, imageIds: [{ imageDigest: digest }] };
    await call('ecr', 'DescribeImages', request, () => clients.ecr.send(new DescribeImagesCommand(request)));
  }
  return calls;
}

/** Records one phase and writes `<dir>/<phase>.json`, redacted. Returns the file written. */
export async function writeRecording(
  clients: Clients,
  options: { phase: string; source: string; dir: string; targets: ReadTargets; names?: string[] },
): Promise<string> {
  const calls = await recordReads(clients, options.targets);
  const recording: Recording = {
    phase: options.phase,
    source: options.source,
    calls: redact(calls, options.names) as RecordedCall[],
  };
  mkdirSync(options.dir, { recursive: true });
  const file = join(options.dir, `${options.phase}.json`);
  writeFileSync(file, `${JSON.stringify(recording, null, 2)}\n`);
  return file;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      phase: { type: 'string' },
      out: { type: 'string' },
      source: { type: 'string', default: 'aws' },
      cluster: { type: 'string' },
      service: { type: 'string' },
      'task-definition': { type: 'string' },
      'deployment-id': { type: 'string' },
      repository: { type: 'string' },
      image: { type: 'string' },
      name: { type: 'string', multiple: true },
    },
  });
  if (!values.phase || !/^[a-z0-9-]+$/.test(values.phase) || !values.out) {
    throw new Error(
      `--phase (lowercase letters, digits, hyphens; got ${JSON.stringify(values.phase ?? '')}) and --out (a folder) are required, e.g. --phase change --out recordings/aws`,
    );
  }
  const empty = (v: string | undefined) => (v ? v : undefined);
  const file = await writeRecording(clientsFromEnvironment(), {
    phase: values.phase,
    source: values.source!,
    dir: values.out,
    names: values.name ?? [],
    targets: {
      cluster: empty(values.cluster),
      service: empty(values.service),
      taskDefinition: empty(values['task-definition']),
      deploymentId: empty(values['deployment-id']),
      repository: empty(values.repository),
      image: empty(values.image),
    },
  });
  console.log(`Recorded the read calls of phase ${values.phase} in ${file}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
