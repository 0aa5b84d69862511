/**
 * ECS task definitions with AWS's rules: revisions N+1 per family, ARN format, read-only fields
 * added by describe, INACTIVE after deregistration, awsvpc host ports, cpu/memory strings.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html
 */
import { AwsError, type TaskDefinitionSummary } from '../contracts.js';
import { list, num, paginate, str } from '../protocol.js';

export interface ContainerDefinition extends Record<string, unknown> {
  name: string;
  image: string;
}

export interface TaskDefinition {
  taskDefinitionArn: string;
  family: string;
  revision: number;
  status: 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS';
  registeredAt: Date;
  deregisteredAt?: Date;
  /** The registered fields after AWS's normalisation (without read-only ones). */
  body: Record<string, unknown> & { containerDefinitions: ContainerDefinition[] };
  tags: { key: string; value: string }[];
}

/** Fields describe adds that a register call may not send. */
export const READ_ONLY_FIELDS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
];

const REGISTER_FIELDS = new Set([
  'family',
  'taskRoleArn',
  'executionRoleArn',
  'networkMode',
  'containerDefinitions',
  'volumes',
  'placementConstraints',
  'requiresCompatibilities',
  'cpu',
  'memory',
  'tags',
  'pidMode',
  'ipcMode',
  'proxyConfiguration',
  'inferenceAccelerators',
  'ephemeralStorage',
  'runtimePlatform',
  'enableFaultInjection',
]);

/**
 * Fargate's valid task size pairs (CPU units -> memory MiB).
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
 */
const FARGATE_SIZES: Record<string, number[]> = {
  '256': [512, 1024, 2048],
  '512': range(1024, 4096, 1024),
  '1024': range(2048, 8192, 1024),
  '2048': range(4096, 16384, 1024),
  '4096': range(8192, 30720, 1024),
  '8192': range(16384, 61440, 4096),
  '16384': range(32768, 122880, 8192),
};

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** `"1 vCPU"` -> `"1024"`, `"0.25 vcpu"` -> `"256"`, `"512"` -> `"512"`. */
export function normaliseCpu(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value).trim();
  const vcpu = /^(\d+(?:\.\d+)?)\s*vcpu$/i.exec(text);
  if (vcpu) return String(Math.round(Number(vcpu[1]) * 1024));
  if (/^\d+$/.test(text)) return text;
  throw new AwsError('ClientException', `Invalid 'cpu' setting for task. The value '${text}' is not valid.`);
}

/** `"2 GB"` -> `"2048"`, `"512 MiB"` / `"512"` -> `"512"`. */
export function normaliseMemory(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value).trim();
  const gb = /^(\d+(?:\.\d+)?)\s*gi?b$/i.exec(text);
  if (gb) return String(Math.round(Number(gb[1]) * 1024));
  const mb = /^(\d+)\s*(?:mi?b)?$/i.exec(text);
  if (mb) return mb[1];
  throw new AwsError('ClientException', `Invalid 'memory' setting for task. The value '${text}' is not valid.`);
}

export class TaskDefinitionRegistry {
  private readonly byFamily = new Map<string, TaskDefinition[]>();

  constructor(
    private readonly account: string,
    private readonly region: string,
  ) {}

  reset(): void {
    this.byFamily.clear();
  }

  all(): TaskDefinition[] {
    return [...this.byFamily.values()].flat();
  }

  register(input: Record<string, unknown>): TaskDefinition {
    for (const field of READ_ONLY_FIELDS) {
      if (field in input) {
        throw new AwsError(
          'ClientException',
          `Unknown parameter in input: "${field}", must be one of: ${[...REGISTER_FIELDS].join(', ')}`,
        );
      }
    }
    const family = str(input, 'family');
    if (!family) throw new AwsError('ClientException', 'Family can not be blank.');
    if (!/^[a-zA-Z0-9_-]{1,255}$/.test(family)) {
      throw new AwsError(
        'ClientException',
        'Family contains invalid characters. Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.',
      );
    }
    const containers = list(input, 'containerDefinitions');
    if (!containers || containers.length === 0)
      throw new AwsError('ClientException', 'Container list cannot be empty.');
    const networkMode = str(input, 'networkMode') ?? 'bridge';
    if (!['bridge', 'host', 'awsvpc', 'none'].includes(networkMode)) {
      throw new AwsError('ClientException', `Invalid networkMode ${networkMode}.`);
    }
    const compat = (input.requiresCompatibilities as string[] | undefined) ?? [];
    const cpu = normaliseCpu(input.cpu);
    const memory = normaliseMemory(input.memory);
    if (compat.includes('FARGATE')) {
      if (networkMode !== 'awsvpc')
        throw new AwsError('ClientException', "Fargate only supports network mode 'awsvpc'.");
      if (!cpu || !memory) {
        throw new AwsError('ClientException', "Fargate requires that 'cpu' be defined at the task level.");
      }
      if (!FARGATE_SIZES[cpu]?.includes(Number(memory))) {
        throw new AwsError(
          'ClientException',
          `No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory.`,
        );
      }
    }

    const names = new Set<string>();
    const normalised = containers.map((raw) => {
      const name = str(raw, 'name');
      const image = str(raw, 'image');
      if (!name) throw new AwsError('ClientException', 'Container.name should not be null or empty.');
      if (!image) throw new AwsError('ClientException', 'Container.image should not be null or empty.');
      if (names.has(name)) throw new AwsError('ClientException', `Duplicate container name: ${name}`);
      names.add(name);
      const portMappings = (list(raw, 'portMappings') ?? []).map((mapping) => {
        const containerPort = num(mapping, 'containerPort');
        let hostPort = num(mapping, 'hostPort');
        if (networkMode === 'awsvpc') {
          // Under awsvpc the host port is the container port; AWS fills it in.
          if (hostPort !== undefined && hostPort !== 0 && hostPort !== containerPort) {
            throw new AwsError(
              'ClientException',
              'When networkMode=awsvpc, the host ports and container ports in port mapping must match.',
            );
          }
          hostPort = containerPort;
        }
        return {
          ...mapping,
          ...(containerPort !== undefined ? { containerPort } : {}),
          ...(hostPort !== undefined ? { hostPort } : {}),
          protocol: str(mapping, 'protocol') ?? 'tcp',
        };
      });
      // ECS fills in a health check's interval, timeout and retries (startPeriod stays absent).
      // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html
      const healthCheck =
        raw.healthCheck && typeof raw.healthCheck === 'object'
          ? { healthCheck: { interval: 30, timeout: 5, retries: 3, ...(raw.healthCheck as Record<string, unknown>) } }
          : {};
      // ECS keeps no environment entry whose value is empty or missing: DescribeTaskDefinition never
      // returns it (public reports: hashicorp/terraform-provider-aws#39533,
      // aws-actions/amazon-ecs-deploy-task-definition#224).
      const environment = (list(raw, 'environment') ?? []).filter((e) => typeof e.value === 'string' && e.value !== '');
      return {
        cpu: 0,
        mountPoints: [],
        volumesFrom: [],
        systemControls: [],
        ...raw,
        ...healthCheck,
        environment,
        name,
        image,
        portMappings,
        essential: raw.essential === undefined ? true : raw.essential,
      } as ContainerDefinition;
    });
    if (!normalised.some((c) => c.essential !== false)) {
      throw new AwsError('ClientException', 'Task definition does not have any essential container.');
    }

    const body: TaskDefinition['body'] = { volumes: [], placementConstraints: [] } as unknown as TaskDefinition['body'];
    for (const [key, value] of Object.entries(input)) {
      if (!REGISTER_FIELDS.has(key) || key === 'tags') continue;
      (body as Record<string, unknown>)[key] = value;
    }
    body.family = family;
    body.networkMode = networkMode;
    body.containerDefinitions = normalised;
    if (cpu) body.cpu = cpu;
    if (memory) body.memory = memory;
    // DescribeTaskDefinition answers `enableFaultInjection: false` when it was never set.
    // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_TaskDefinition.html
    (body as Record<string, unknown>).enableFaultInjection = input.enableFaultInjection === true;

    const revisions = this.byFamily.get(family) ?? [];
    const revision = (revisions[revisions.length - 1]?.revision ?? 0) + 1;
    const definition: TaskDefinition = {
      taskDefinitionArn: `arn:aws:ecs:${this.region}:${this.account}:task-definition/${family}:${revision}`,
      family,
      revision,
      status: 'ACTIVE',
      registeredAt: new Date(),
      body,
      tags: (list(input, 'tags') ?? []) as { key: string; value: string }[],
    };
    revisions.push(definition);
    this.byFamily.set(family, revisions);
    return definition;
  }

  /**
   * `family` (latest ACTIVE revision), `family:revision`, or the full ARN.
   * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTaskDefinition.html
   */
  find(ref: string): TaskDefinition | undefined {
    const arnMatch = /^arn:aws[a-z-]*:ecs:[^:]+:\d+:task-definition\/(.+)$/.exec(ref);
    const short = arnMatch ? arnMatch[1]! : ref;
    const [family, revisionText] = short.split(':');
    const revisions = this.byFamily.get(family ?? '') ?? [];
    if (revisionText === undefined) {
      if (arnMatch) return undefined;
      return [...revisions].reverse().find((d) => d.status === 'ACTIVE');
    }
    return revisions.find((d) => d.revision === Number(revisionText));
  }

  /** What DescribeTaskDefinition answers: the registered fields plus the read-only ones. */
  describe(definition: TaskDefinition): Record<string, unknown> {
    const compat = ['EC2'];
    if (definition.body.networkMode === 'awsvpc') compat.push('FARGATE');
    return {
      taskDefinitionArn: definition.taskDefinitionArn,
      ...definition.body,
      revision: definition.revision,
      status: definition.status,
      requiresAttributes: requiresAttributes(definition),
      compatibilities: compat,
      registeredAt: definition.registeredAt,
      registeredBy: `arn:aws:sts::${this.account}:assumed-role/sandbox/session`,
      ...(definition.deregisteredAt ? { deregisteredAt: definition.deregisteredAt } : {}),
    };
  }

  deregister(ref: string): TaskDefinition {
    const definition = this.find(ref);
    if (!definition || !ref.includes(':')) {
      throw new AwsError('ClientException', 'The specified task definition does not exist.');
    }
    if (definition.status === 'ACTIVE') {
      definition.status = 'INACTIVE';
      definition.deregisteredAt = new Date();
    }
    return definition;
  }

  list(input: Record<string, unknown>) {
    const prefix = str(input, 'familyPrefix');
    const status = str(input, 'status') ?? 'ACTIVE';
    const sort = str(input, 'sort') ?? 'ASC';
    let found = this.all().filter((d) => (status === 'ALL' || d.status === status) && (!prefix || d.family === prefix));
    found.sort((a, b) => a.family.localeCompare(b.family) || a.revision - b.revision);
    if (sort === 'DESC') found = found.reverse();
    const { page, nextToken } = paginate(found, str(input, 'nextToken'), num(input, 'maxResults'));
    return { taskDefinitionArns: page.map((d) => d.taskDefinitionArn), ...(nextToken ? { nextToken } : {}) };
  }

  listFamilies(input: Record<string, unknown>) {
    const prefix = str(input, 'familyPrefix') ?? '';
    const status = str(input, 'status') ?? 'ACTIVE';
    const families = [...this.byFamily.entries()]
      .filter(
        ([family, defs]) => family.startsWith(prefix) && (status === 'ALL' || defs.some((d) => d.status === status)),
      )
      .map(([family]) => family)
      .sort();
    const { page, nextToken } = paginate(families, str(input, 'nextToken'), num(input, 'maxResults'));
    return { families: page, ...(nextToken ? { nextToken } : {}) };
  }

  summary(definition: TaskDefinition): TaskDefinitionSummary {
    return {
      taskDefinitionArn: definition.taskDefinitionArn,
      family: definition.family,
      revision: definition.revision,
      status: definition.status,
      containerDefinitions: definition.body.containerDefinitions.map((c) => ({
        name: c.name,
        image: c.image,
        portMappings: (c.portMappings as { containerPort?: number }[] | undefined) ?? [],
      })),
    };
  }
}

function requiresAttributes(definition: TaskDefinition): { name: string }[] {
  const attrs = [{ name: 'com.amazonaws.ecs.capability.docker-remote-api.1.18' }];
  if (definition.body.networkMode === 'awsvpc') attrs.push({ name: 'ecs.capability.task-eni' });
  if (definition.body.executionRoleArn) attrs.push({ name: 'ecs.capability.execution-role-ecr-pull' });
  if (definition.body.containerDefinitions.some((c) => c.healthCheck)) {
    attrs.push({ name: 'ecs.capability.container-health-check' });
  }
  return attrs;
}
