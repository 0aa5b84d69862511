/**
 * Task definitions as data: render the desired one, normalise two for comparison, and describe
 * their difference for people. Pure functions; no AWS calls.
 */
import { ConfigurationError } from '../../../lib/errors.js';

/** A task definition in the shape RegisterTaskDefinition takes (JSON object). */
export type TaskDefinitionDoc = Record<string, unknown>;

interface Container extends Record<string, unknown> {
  name?: string;
  image?: string;
  environment?: { name?: string; value?: string }[];
  portMappings?: { containerPort?: number; hostPort?: number; protocol?: string }[];
  logConfiguration?: { logDriver?: string; options?: Record<string, string> };
}

/**
 * Fields DescribeTaskDefinition returns that RegisterTaskDefinition refuses.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_TaskDefinition.html
 */
export const READ_ONLY_FIELDS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
] as const;

export interface RenderOptions {
  containerName: string;
  image?: string;
  environment: Map<string, string>;
  executionRoleArn?: string;
  taskRoleArn?: string;
  logGroup?: string;
  /** Region for the awslogs options. */
  region: string;
  containerPort?: number;
  /** Which input the base came from, for error messages ('task-definition' or 'the running task definition'). */
  source: string;
}

/** Accepts both `describe-task-definition` output ({ taskDefinition: {...} }) and the register shape. */
export function unwrapTaskDefinition(json: unknown): TaskDefinitionDoc {
  if (isObject(json) && isObject(json.taskDefinition)) return json.taskDefinition;
  if (isObject(json)) return json;
  throw new Error('a task definition must be a JSON object');
}

/** Removes what AWS fills in on registration; a deep copy, the input is untouched. */
export function stripReadOnly(definition: TaskDefinitionDoc): TaskDefinitionDoc {
  const copy = structuredClone(definition);
  for (const field of READ_ONLY_FIELDS) delete copy[field];
  return copy;
}

/** The definition to register: base + image + environment + roles + logs, read-only fields removed. */
export function renderTaskDefinition(base: unknown, options: RenderOptions): TaskDefinitionDoc {
  const desired = stripReadOnly(unwrapTaskDefinition(base));
  const containers = (Array.isArray(desired.containerDefinitions) ? desired.containerDefinitions : []) as Container[];
  const container = containers.find((c) => c.name === options.containerName);
  if (!container) {
    const names = containers.map((c) => `'${String(c.name)}'`).join(', ') || 'none';
    throw new ConfigurationError(
      'container-name',
      options.containerName,
      `the name of a container in ${options.source}; its containers are: ${names}`,
    );
  }

  if (options.image !== undefined) container.image = options.image;
  if (typeof container.image !== 'string' || container.image === '') {
    throw new ConfigurationError('image', '', `container '${options.containerName}' has no image in ${options.source}`);
  }

  if (options.environment.size > 0) {
    const environment = [...(container.environment ?? [])];
    for (const [name, value] of options.environment) {
      const existing = environment.find((e) => e.name === name);
      if (existing) existing.value = value;
      else environment.push({ name, value });
    }
    container.environment = environment;
  }

  if (options.executionRoleArn !== undefined) desired.executionRoleArn = options.executionRoleArn;
  if (options.taskRoleArn !== undefined) desired.taskRoleArn = options.taskRoleArn;

  if (options.logGroup !== undefined) {
    const previous = container.logConfiguration?.logDriver === 'awslogs' ? container.logConfiguration.options : {};
    container.logConfiguration = {
      ...container.logConfiguration,
      logDriver: 'awslogs',
      options: {
        ...previous,
        'awslogs-group': options.logGroup,
        'awslogs-region': options.region,
        'awslogs-stream-prefix': previous?.['awslogs-stream-prefix'] ?? options.containerName,
      },
    };
  }

  // RegisterTaskDefinition takes cpu and memory as strings; templates often write numbers.
  if (typeof desired.cpu === 'number') desired.cpu = String(desired.cpu);
  if (typeof desired.memory === 'number') desired.memory = String(desired.memory);

  if (options.containerPort !== undefined) containerPortOf(desired, options.containerName, options.containerPort);
  return desired;
}

/**
 * The container port the load balancer targets: the given one, which the container must map,
 * or the container's first port mapping.
 */
export function containerPortOf(definition: TaskDefinitionDoc, containerName: string, wanted?: number): number {
  const containers = (definition.containerDefinitions ?? []) as Container[];
  const ports = (containers.find((c) => c.name === containerName)?.portMappings ?? [])
    .map((p) => p.containerPort)
    .filter((p): p is number => typeof p === 'number');
  if (wanted !== undefined) {
    if (!ports.includes(wanted)) {
      throw new ConfigurationError(
        'container-port',
        String(wanted),
        ports.length
          ? `a port that container '${containerName}' maps: ${ports.join(', ')}`
          : `a mapped port, but container '${containerName}' has no portMappings; add one to the task definition`,
      );
    }
    return wanted;
  }
  const first = ports[0];
  if (first === undefined) {
    throw new ConfigurationError(
      'container-port',
      '',
      `container '${containerName}' has no portMappings; add one to the task definition or set container-port`,
    );
  }
  return first;
}

// ---------------------------------------------------------------------------------------------
// Normalisation: what AWS fills in or reorders must not count as a change.

const CPU_UNITS_PER_VCPU = 1024;
const MIB_PER_GB = 1024;

/** "1 vCPU" -> "1024", "0.5 vcpu" -> "512", 256 -> "256". */
export function normaliseCpu(value: unknown): unknown {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*vcpu\s*$/i.exec(value);
  if (match) return String(Math.round(Number(match[1]) * CPU_UNITS_PER_VCPU));
  return value.trim();
}

/** "2 GB" -> "2048", "512 MiB" -> "512", 512 -> "512". */
export function normaliseMemory(value: unknown): unknown {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return value;
  const gb = /^\s*(\d+(?:\.\d+)?)\s*gi?b\s*$/i.exec(value);
  if (gb) return String(Math.round(Number(gb[1]) * MIB_PER_GB));
  const mb = /^\s*(\d+)\s*mi?b\s*$/i.exec(value);
  if (mb) return mb[1];
  return value.trim();
}

/** Container fields whose value equals ECS's default are dropped (DescribeTaskDefinition shows some). */
const CONTAINER_DEFAULTS: Record<string, unknown> = { essential: true, cpu: 0 };

/**
 * What ECS fills into a container health check left partly unset (startPeriod stays absent).
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html
 */
const HEALTH_CHECK_DEFAULTS = { interval: 30, timeout: 5, retries: 3 };

function dropUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null));
}

const byKey =
  <T>(key: (item: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/**
 * ECS keeps no environment entry whose value is empty or missing: RegisterTaskDefinition drops it
 * and DescribeTaskDefinition never returns it (public reports: hashicorp/terraform-provider-aws#39533,
 * aws-actions/amazon-ecs-deploy-task-definition#224). Returns a copy without them and their names,
 * so the caller can say which variables ECS will not set.
 */
export function withoutEmptyEnvironment(definition: TaskDefinitionDoc): {
  definition: TaskDefinitionDoc;
  dropped: string[];
} {
  const copy = structuredClone(definition);
  const dropped: string[] = [];
  const containers = (Array.isArray(copy.containerDefinitions) ? copy.containerDefinitions : []) as Container[];
  for (const container of containers) {
    if (!Array.isArray(container.environment)) continue;
    container.environment = container.environment.filter((entry) => {
      const kept = typeof entry.value === 'string' && entry.value !== '';
      if (!kept && !dropped.includes(String(entry.name))) dropped.push(String(entry.name));
      return kept;
    });
  }
  return { definition: copy, dropped };
}

/**
 * Tags whose key starts with `aws:` are AWS's own; nobody can set them, so they never count as a
 * difference (our assumption from the tagging rules in the API model's Tag documentation).
 */
const AWS_TAG_PREFIX = 'aws:';

/**
 * A canonical form for comparison: read-only fields gone, lists AWS may reorder sorted, defaults
 * and empty values dropped, cpu/memory in units, hostPort filled under awsvpc. Tags count: the
 * running definition is read with DescribeTaskDefinition include TAGS (discovery.ts), which puts
 * them where the template has them.
 */
export function normaliseTaskDefinition(definition: TaskDefinitionDoc): TaskDefinitionDoc {
  const def = stripReadOnly(withoutEmptyEnvironment(unwrapTaskDefinition(definition)).definition);
  if (Array.isArray(def.tags)) {
    def.tags = (def.tags as { key?: string; value?: string }[])
      .filter((tag) => !String(tag.key ?? '').startsWith(AWS_TAG_PREFIX))
      .sort(byKey((tag) => tag.key ?? ''));
  }
  // DescribeTaskDefinition answers `enableFaultInjection: false` even when it was never set.
  // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_TaskDefinition.html
  if (def.enableFaultInjection === false) delete def.enableFaultInjection;
  const awsvpc = def.networkMode === 'awsvpc';
  if (def.cpu !== undefined) def.cpu = normaliseCpu(def.cpu);
  if (def.memory !== undefined) def.memory = normaliseMemory(def.memory);
  if (Array.isArray(def.requiresCompatibilities)) def.requiresCompatibilities = [...def.requiresCompatibilities].sort();
  if (Array.isArray(def.volumes))
    def.volumes = [...(def.volumes as { name?: string }[])].sort(byKey((v) => v.name ?? ''));

  const containers = (Array.isArray(def.containerDefinitions) ? def.containerDefinitions : []) as Container[];
  def.containerDefinitions = containers
    .map((c) => normaliseContainer(c, awsvpc))
    .sort(byKey((c: Container) => c.name ?? ''));
  return dropEmpty(def) as TaskDefinitionDoc;
}

function normaliseContainer(container: Container, awsvpc: boolean): Container {
  const c: Container = { ...container };
  for (const [field, value] of Object.entries(CONTAINER_DEFAULTS)) if (c[field] === value) delete c[field];
  if (isObject(c.healthCheck)) c.healthCheck = { ...HEALTH_CHECK_DEFAULTS, ...dropUndefined(c.healthCheck) };
  const named = (list: unknown) =>
    Array.isArray(list) ? [...(list as { name?: string }[])].sort(byKey((e) => e.name ?? '')) : list;
  c.environment = named(c.environment) as Container['environment'];
  c.secrets = named(c.secrets);
  c.environmentFiles = Array.isArray(c.environmentFiles)
    ? [...(c.environmentFiles as { value?: string }[])].sort(byKey((e) => e.value ?? ''))
    : c.environmentFiles;
  if (Array.isArray(c.portMappings)) {
    c.portMappings = c.portMappings
      .map((p) => {
        const mapping: Record<string, unknown> = { ...p };
        // Under awsvpc the host port is the container port; ECS fills it in.
        // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_PortMapping.html
        if (awsvpc && mapping.hostPort === undefined) mapping.hostPort = mapping.containerPort;
        if (mapping.protocol === 'tcp') delete mapping.protocol;
        return mapping;
      })
      .sort(byKey((p) => `${String(p.containerPort).padStart(6, '0')}/${String(p.protocol ?? 'tcp')}`));
  }
  if (Array.isArray(c.mountPoints)) {
    c.mountPoints = [...(c.mountPoints as { sourceVolume?: string; containerPath?: string; readOnly?: boolean }[])]
      .map((m) => (m.readOnly === false ? { ...m, readOnly: undefined } : m))
      .sort(byKey((m) => `${m.sourceVolume ?? ''}\u0000${m.containerPath ?? ''}`));
  }
  if (Array.isArray(c.volumesFrom)) {
    c.volumesFrom = [...(c.volumesFrom as { sourceContainer?: string }[])].sort(byKey((v) => v.sourceContainer ?? ''));
  }
  return c;
}

/** Drops undefined, null, '' and empty arrays/objects, recursively; object keys sorted. */
function dropEmpty(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(dropEmpty).filter((v) => v !== undefined);
    return items.length ? items : undefined;
  }
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = dropEmpty(value[key]);
      if (v !== undefined) out[key] = v;
    }
    return Object.keys(out).length ? out : undefined;
  }
  if (value === null || value === '') return undefined;
  return value;
}

export function sameTaskDefinition(a: TaskDefinitionDoc, b: TaskDefinitionDoc): boolean {
  return JSON.stringify(normaliseTaskDefinition(a)) === JSON.stringify(normaliseTaskDefinition(b));
}

// ---------------------------------------------------------------------------------------------
// Diff for people

/**
 * One line per changed leaf, addressed by path with named list items by name:
 *   ~ containerDefinitions[app].image: "repo:1" -> "repo:2"
 *   + containerDefinitions[app].environment[LOG_LEVEL].value: "debug"
 *   - cpu: "256"
 * Compares normalised forms, so what AWS fills in does not show.
 */
export function diffTaskDefinitions(from: TaskDefinitionDoc | undefined, to: TaskDefinitionDoc): string[] {
  const before = from ? flatten(normaliseTaskDefinition(from)) : new Map<string, unknown>();
  const after = flatten(normaliseTaskDefinition(to));
  const lines: string[] = [];
  for (const key of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const a = before.get(key);
    const b = after.get(key);
    // Environment values often hold credentials, and the diff goes to the log and the job summary:
    // say that a value changed, never what it is.
    const hidden = ENVIRONMENT_VALUE.test(key);
    if (!before.has(key)) lines.push(`+ ${key}: ${hidden ? '(set)' : JSON.stringify(b)}`);
    else if (!after.has(key)) lines.push(`- ${key}: ${hidden ? '(removed)' : JSON.stringify(a)}`);
    else if (JSON.stringify(a) !== JSON.stringify(b))
      lines.push(`~ ${key}: ${hidden ? '(changed)' : `${JSON.stringify(a)} -> ${JSON.stringify(b)}`}`);
  }
  return lines;
}

const ENVIRONMENT_VALUE = /\.environment\[[^\]]*\]\.value$/;

/** Names of variables whose value is probably a credential. */
const SECRET_LOOKING_NAME = /PASSWORD|SECRET|TOKEN|KEY|CREDENTIAL/i;

/**
 * The values of the `environment` input to mask in the log (core.setSecret): those whose name
 * looks secret. Not all values: masking `production` or `3000` would blank them out of every line.
 */
export function valuesToMask(environment: Map<string, string>): string[] {
  return [...environment].filter(([name, value]) => SECRET_LOOKING_NAME.test(name) && value !== '').map(([, v]) => v);
}

function flatten(
  value: unknown,
  prefix = '',
  out = new Map<string, unknown>(),
  labelledByName = false,
): Map<string, unknown> {
  if (Array.isArray(value)) {
    const allNamed = value.every((v) => isObject(v) && typeof v.name === 'string');
    value.forEach((item, index) => {
      const label = allNamed ? (item as { name: string }).name : String(index);
      flatten(item, `${prefix}[${label}]`, out, allNamed);
    });
  } else if (isObject(value)) {
    for (const [key, v] of Object.entries(value)) {
      // The name is already in the path: containerDefinitions[app].
      if (key === 'name' && labelledByName) continue;
      flatten(v, prefix ? `${prefix}.${key}` : key, out);
    }
  } else {
    out.set(prefix, value);
  }
  return out;
}

/** Image of a container in a definition, for logs and outputs. */
export function imageOf(definition: TaskDefinitionDoc, containerName: string): string | undefined {
  const containers = (definition.containerDefinitions ?? []) as Container[];
  return containers.find((c) => c.name === containerName)?.image;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
