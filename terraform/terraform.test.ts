// Static checks of terraform/: every .tf file is read with @cdktf/hcl2json and the promises of
// DESIGN section 6 and issue 7 are asserted on the parsed configuration. The variable
// validations are also run for real (variables only, no provider) where terraform exists.
import { parse } from '@cdktf/hcl2json';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const MODULES = ['alb', 'ecr-repository', 'ecs-bluegreen-service', 'github-oidc', 'http-ingress', 'network', 'task-iam'];
const STACKS = ['foundation', 'service', 'ingress', 'github-oidc'];

type Block = Record<string, unknown>;
/** One Terraform module (a folder): its files' blocks merged as hcl2json gives them. */
interface Config {
  dir: string;
  resources: Map<string, Map<string, Block>>;
  data: Map<string, Map<string, Block>>;
  variables: Map<string, Block>;
  outputs: Map<string, Block>;
  modules: Map<string, Block>;
  locals: Block;
  terraform: Block[];
}

async function load(dir: string): Promise<Config> {
  const config: Config = {
    dir,
    resources: new Map(),
    data: new Map(),
    variables: new Map(),
    outputs: new Map(),
    modules: new Map(),
    locals: {},
    terraform: [],
  };
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.tf'))) {
    const json = (await parse(file, readFileSync(join(dir, file), 'utf8'))) as Record<string, unknown>;
    for (const [kind, target] of [
      ['resource', config.resources],
      ['data', config.data],
    ] as const) {
      for (const [type, byName] of Object.entries((json[kind] ?? {}) as Record<string, Record<string, Block[]>>)) {
        const map = target.get(type) ?? new Map<string, Block>();
        for (const [name, [body]] of Object.entries(byName)) map.set(name, body!);
        target.set(type, map);
      }
    }
    for (const [name, [body]] of Object.entries((json.variable ?? {}) as Record<string, Block[]>))
      config.variables.set(name, body!);
    for (const [name, [body]] of Object.entries((json.output ?? {}) as Record<string, Block[]>))
      config.outputs.set(name, body!);
    for (const [name, [body]] of Object.entries((json.module ?? {}) as Record<string, Block[]>))
      config.modules.set(name, body!);
    for (const locals of (json.locals ?? []) as Block[]) Object.assign(config.locals, locals);
    config.terraform.push(...((json.terraform ?? []) as Block[]));
  }
  return config;
}

function resource(config: Config, type: string, name: string): Block {
  const found = config.resources.get(type)?.get(name);
  if (!found) throw new Error(`${config.dir}: no resource ${type}.${name}`);
  return found;
}

function allOf(config: Config, type: string): [string, Block][] {
  return [...(config.resources.get(type) ?? new Map<string, Block>()).entries()];
}

/** The first (only) nested block of that name. */
function block(parent: Block, name: string): Block {
  const list = parent[name] as Block[] | undefined;
  if (!list?.[0]) throw new Error(`no ${name} block`);
  return list[0];
}

/** `${local.x}` resolved from the module's locals. */
function resolve(config: Config, value: unknown): unknown {
  const match = typeof value === 'string' ? /^\$\{local\.([A-Za-z0-9_]+)\}$/.exec(value) : null;
  return match ? config.locals[match[1]!] : value;
}

const configs = new Map<string, Config>();
const mod = (name: string) => configs.get(`modules/${name}`)!;
const stack = (name: string) => configs.get(`stacks/${name}`)!;

beforeAll(async () => {
  for (const m of MODULES) configs.set(`modules/${m}`, await load(join(root, 'modules', m)));
  for (const s of STACKS) configs.set(`stacks/${s}`, await load(join(root, 'stacks', s)));
});

describe('layout and conventions', () => {
  test('every module has main.tf, variables.tf, outputs.tf, versions.tf and README.md', () => {
    expect(readdirSync(join(root, 'modules')).sort()).toEqual([...MODULES].sort());
    for (const m of MODULES) {
      for (const f of ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf', 'README.md']) {
        expect(`${m}/${f}: ${existsSync(join(root, 'modules', m, f))}`).toBe(`${m}/${f}: true`);
      }
    }
    expect(readdirSync(join(root, 'stacks')).sort()).toEqual([...STACKS].sort());
  });

  test('every variable is typed and described; every output described', () => {
    const missing: string[] = [];
    for (const [where, config] of configs) {
      for (const [name, v] of config.variables) {
        if (typeof v.type !== 'string') missing.push(`${where} variable ${name}: no type`);
        if (typeof v.description !== 'string' || v.description === '')
          missing.push(`${where} variable ${name}: no description`);
      }
      for (const [name, o] of config.outputs) {
        if (typeof o.description !== 'string') missing.push(`${where} output ${name}: no description`);
      }
    }
    expect(missing).toEqual([]);
  });

  test('each stack: S3 backend (partial) with use_lockfile and encrypt; hashicorp/aws admitting 5.100.0', () => {
    for (const s of STACKS) {
      const tf = stack(s).terraform;
      const backend = tf.flatMap((t) => ((t.backend as Block | undefined)?.s3 as Block[] | undefined) ?? []);
      expect(backend).toEqual([{ use_lockfile: true, encrypt: true }]);
      const aws = tf.flatMap((t) => (t.required_providers as Block[] | undefined) ?? []).map((p) => p.aws as Block)[0];
      expect(aws?.source).toBe('hashicorp/aws');
      expect(admits(String(aws?.version), '5.100.0')).toBe(true);
    }
  });

  test('modules pin the same provider range and never configure a backend or provider', () => {
    for (const m of MODULES) {
      const tf = mod(m).terraform;
      const aws = tf.flatMap((t) => (t.required_providers as Block[] | undefined) ?? []).map((p) => p.aws as Block)[0];
      expect(admits(String(aws?.version), '5.100.0')).toBe(true);
      expect(tf.some((t) => 'backend' in t)).toBe(false);
      expect(readFileSync(join(root, 'modules', m, 'main.tf'), 'utf8')).not.toMatch(/^provider\s/m);
    }
  });

  test('stacks use the modules by relative path', () => {
    expect(stack('foundation').modules.get('network')?.source).toBe('../../modules/network');
    expect(stack('service').modules.get('service')?.source).toBe('../../modules/ecs-bluegreen-service');
    expect(stack('ingress').modules.get('ingress')?.source).toBe('../../modules/http-ingress');
    expect(stack('github-oidc').modules.get('github_oidc')?.source).toBe('../../modules/github-oidc');
  });

  test('the outputs the workflows read exist', () => {
    const outputs = (s: string) => [...stack(s).outputs.keys()];
    expect(outputs('foundation')).toEqual(
      expect.arrayContaining([
        'repository_url',
        'repository_name',
        'execution_role_arn',
        'task_role_arn',
        'log_group_name',
        'first_task_definition',
        'vpc_id',
        'public_subnet_ids',
        'private_subnet_ids',
        'alerts_topic_arn',
      ]),
    );
    expect(outputs('service')).toEqual(
      expect.arrayContaining([
        'cluster_name',
        'service_name',
        'codedeploy_application',
        'codedeploy_deployment_group',
        'production_url',
        'test_url',
      ]),
    );
    expect(outputs('ingress')).toContain('ingress_url');
    expect(outputs('github-oidc')).toContain('deploy_role_arn');
  });
});

describe('service: ECS with CodeDeploy blue/green', () => {
  test('Fargate service with the CODE_DEPLOY controller, in private subnets, ignoring what deployments change', () => {
    const service = resource(mod('ecs-bluegreen-service'), 'aws_ecs_service', 'this');
    expect(block(service, 'deployment_controller').type).toBe('CODE_DEPLOY');
    expect(service.launch_type).toBe('FARGATE');
    const network = block(service, 'network_configuration');
    expect(network.subnets).toBe('${var.private_subnet_ids}');
    expect(network.assign_public_ip).toBe(false);
    expect(block(service, 'lifecycle').ignore_changes).toEqual(
      expect.arrayContaining(['${task_definition}', '${load_balancer}', '${desired_count}']),
    );
  });

  test('cluster with Container Insights', () => {
    const cluster = resource(mod('ecs-bluegreen-service'), 'aws_ecs_cluster', 'this');
    expect(cluster.setting).toEqual([{ name: 'containerInsights', value: 'enabled' }]);
  });

  test('blue and green target groups, health-checked on /health', () => {
    const alb = mod('alb');
    const tg = resource(alb, 'aws_lb_target_group', 'this');
    expect(tg.for_each).toBe('${local.target_group_colours}');
    expect(alb.locals.target_group_colours).toBe('${toset(["blue", "green"])}');
    expect(block(tg, 'health_check').path).toBe('${var.health_check_path}');
    expect(alb.variables.get('health_check_path')?.default).toBe('/health');
    expect(tg.target_type).toBe('ip');
  });

  test('a production and a test listener, left alone by Terraform after CodeDeploy moves them', () => {
    const alb = mod('alb');
    for (const name of ['production', 'test']) {
      const listener = resource(alb, 'aws_lb_listener', name);
      expect(listener.port).toBe(`\${var.${name}_port}`);
      expect(block(listener, 'lifecycle').ignore_changes).toEqual(['${default_action}']);
    }
  });

  test('deployment group: blue/green with traffic control, auto-rollback on failure and alarm, alarms attached, blue termination wait', () => {
    const service = mod('ecs-bluegreen-service');
    const group = resource(service, 'aws_codedeploy_deployment_group', 'this');
    expect(block(group, 'deployment_style')).toEqual({
      deployment_type: 'BLUE_GREEN',
      deployment_option: 'WITH_TRAFFIC_CONTROL',
    });
    const rollback = block(group, 'auto_rollback_configuration');
    expect(rollback.enabled).toBe(true);
    expect(rollback.events).toEqual(expect.arrayContaining(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']));
    const alarms = block(group, 'alarm_configuration');
    expect(alarms.enabled).toBe(true);
    expect(alarms.alarms).toEqual([
      '${aws_cloudwatch_metric_alarm.http_5xx.alarm_name}',
      '${aws_cloudwatch_metric_alarm.unhealthy_hosts["blue"].alarm_name}',
      '${aws_cloudwatch_metric_alarm.unhealthy_hosts["green"].alarm_name}',
    ]);
    const termination = block(block(group, 'blue_green_deployment_config'), 'terminate_blue_instances_on_deployment_success');
    expect(termination).toEqual({
      action: 'TERMINATE',
      termination_wait_time_in_minutes: '${var.blue_termination_wait_minutes}',
    });
    const pair = block(block(group, 'load_balancer_info'), 'target_group_pair_info');
    expect(block(pair, 'prod_traffic_route').listener_arns).toEqual(['${var.production_listener_arn}']);
    expect(block(pair, 'test_traffic_route').listener_arns).toEqual(['${var.test_listener_arn}']);
    expect(pair.target_group).toEqual([
      { name: '${var.target_group_names.blue}' },
      { name: '${var.target_group_names.green}' },
    ]);
    expect(resource(service, 'aws_codedeploy_app', 'this').compute_platform).toBe('ECS');
  });

  test('only the listener ports are open to 0.0.0.0/0; the tasks accept the ALB security group only', () => {
    const open: string[] = [];
    for (const [where, config] of configs) {
      for (const [name, rule] of allOf(config, 'aws_vpc_security_group_ingress_rule')) {
        const cidr = rule.cidr_ipv4;
        const fromAll =
          cidr === '0.0.0.0/0' ||
          (cidr === '${each.value}' &&
            JSON.stringify(config.variables.get('ingress_cidrs')?.default ?? []).includes('0.0.0.0/0'));
        if (fromAll) open.push(`${where}:${name}:${String(rule.from_port)}-${String(rule.to_port)}`);
      }
      for (const [name, sg] of allOf(config, 'aws_security_group')) {
        // Inline rules would escape this check: all rules are separate resources.
        expect(`${where}:${name}:${'ingress' in sg}`).toBe(`${where}:${name}:false`);
      }
    }
    expect(open.sort()).toEqual([
      'modules/alb:production_listener:${var.production_port}-${var.production_port}',
      'modules/alb:test_listener:${var.test_port}-${var.test_port}',
    ]);
    const tasks = allOf(mod('ecs-bluegreen-service'), 'aws_vpc_security_group_ingress_rule');
    expect(tasks).toHaveLength(1);
    const [, rule] = tasks[0]!;
    expect(rule.security_group_id).toBe('${aws_security_group.tasks.id}');
    expect(rule.referenced_security_group_id).toBe('${var.alb_security_group_id}');
    expect(rule.cidr_ipv4).toBeUndefined();
    expect(rule.from_port).toBe('${var.container_port}');
    expect(stack('service').modules.get('service')?.alb_security_group_id).toBe('${module.alb.security_group_id}');
  });
});

describe('foundation', () => {
  test('ECR: scan on push, immutable tags, a lifecycle policy', () => {
    const ecr = mod('ecr-repository');
    const repo = resource(ecr, 'aws_ecr_repository', 'this');
    expect(repo.image_tag_mutability).toBe('IMMUTABLE');
    expect(block(repo, 'image_scanning_configuration').scan_on_push).toBe(true);
    expect(resource(ecr, 'aws_ecr_lifecycle_policy', 'this').repository).toBe('${aws_ecr_repository.this.name}');
  });

  test('log group keeps 7 days', () => {
    const foundation = stack('foundation');
    expect(resource(foundation, 'aws_cloudwatch_log_group', 'app').retention_in_days).toBe('${var.log_retention_days}');
    expect(foundation.variables.get('log_retention_days')?.default).toBe(7);
  });

  test('VPC over at least two AZs with public and private subnets; NAT or VPC endpoints', () => {
    const network = mod('network');
    expect(network.variables.get('az_count')?.default).toBe(2);
    expect(JSON.stringify(network.variables.get('az_count')?.validation)).toContain('var.az_count >= 2');
    expect(resource(network, 'aws_subnet', 'public').count).toBe('${var.az_count}');
    expect(resource(network, 'aws_subnet', 'private').count).toBe('${var.az_count}');
    expect(network.resources.get('aws_nat_gateway')?.has('this')).toBe(true);
    expect(network.resources.get('aws_vpc_endpoint')?.size).toBe(2);
  });

  test('an SNS topic for alerts, and task and execution roles trusted by ECS tasks', () => {
    expect(stack('foundation').resources.get('aws_sns_topic')?.has('alerts')).toBe(true);
    const iam = mod('task-iam');
    expect(iam.resources.get('aws_iam_role')?.has('execution')).toBe(true);
    expect(iam.resources.get('aws_iam_role')?.has('task')).toBe(true);
  });
});

describe('scaling and alarms', () => {
  test('step scaling: +1 above the scale-up alarm (lower bound 0), -1 below the scale-down alarm (upper bound 0)', () => {
    const service = mod('ecs-bluegreen-service');
    const step = (policy: string) =>
      block(block(resource(service, 'aws_appautoscaling_policy', policy), 'step_scaling_policy_configuration'), 'step_adjustment');
    const cpuAlarms = allOf(service, 'aws_cloudwatch_metric_alarm').filter(
      ([, a]) => a.namespace === 'AWS/ECS' && a.metric_name === 'CPUUtilization',
    );
    const scaling = cpuAlarms.filter(([, a]) =>
      String((a.alarm_actions as string[])[0]).startsWith('${aws_appautoscaling_policy.'),
    );
    expect(scaling).toHaveLength(2);
    for (const [name, alarm] of cpuAlarms) {
      expect(`${name}: ${JSON.stringify(resolve(service, alarm.dimensions))}`).toBe(
        `${name}: ${JSON.stringify({ ClusterName: '${aws_ecs_cluster.this.name}', ServiceName: '${aws_ecs_service.this.name}' })}`,
      );
    }
    for (const [, alarm] of scaling) {
      const policy = /aws_appautoscaling_policy\.([a-z_]+)\.arn/.exec(String((alarm.alarm_actions as string[])[0]))![1]!;
      if (alarm.comparison_operator === 'GreaterThanOrEqualToThreshold') {
        expect(alarm.threshold).toBe('${var.cpu_scale_up_threshold}');
        expect(step(policy)).toEqual({ metric_interval_lower_bound: 0, scaling_adjustment: 1 });
      } else {
        expect(alarm.comparison_operator).toBe('LessThanOrEqualToThreshold');
        expect(alarm.threshold).toBe('${var.cpu_scale_down_threshold}');
        expect(step(policy)).toEqual({ metric_interval_upper_bound: 0, scaling_adjustment: -1 });
      }
    }
    const target = resource(service, 'aws_appautoscaling_target', 'this');
    expect(target.min_capacity).toBe('${var.min_task_count}');
    expect(target.max_capacity).toBe('${var.max_scaled_task_count}');
  });

  test('CPU peak, 5xx and unhealthy-host alarms notify the SNS topic from foundation', () => {
    const service = mod('ecs-bluegreen-service');
    const expected = {
      cpu_peak: ['AWS/ECS', 'CPUUtilization'],
      http_5xx: ['AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count'],
      unhealthy_hosts: ['AWS/ApplicationELB', 'UnHealthyHostCount'],
    };
    for (const [name, [namespace, metric]] of Object.entries(expected)) {
      const alarm = resource(service, 'aws_cloudwatch_metric_alarm', name);
      expect([alarm.namespace, alarm.metric_name]).toEqual([namespace, metric]);
      expect(alarm.alarm_actions).toEqual(['${var.alarm_topic_arn}']);
    }
    expect(stack('service').modules.get('service')?.alarm_topic_arn).toBe('${var.alarm_topic_arn}');
    expect(stack('service').variables.get('alarm_topic_arn')?.description).toContain('alerts_topic_arn');
  });

  test('the thresholds and the maximum are validated in the stack and the module', () => {
    for (const config of [stack('service'), mod('ecs-bluegreen-service')]) {
      const condition = (v: string) => JSON.stringify(config.variables.get(v)?.validation ?? []);
      expect(condition('cpu_scale_up_threshold')).toContain('var.cpu_scale_up_threshold >= 1');
      expect(condition('cpu_scale_up_threshold')).toContain('var.cpu_scale_up_threshold <= 100');
      expect(condition('cpu_scale_up_threshold')).toContain('var.cpu_scale_up_threshold > var.cpu_scale_down_threshold');
      expect(condition('max_scaled_task_count')).toContain('var.max_scaled_task_count >= var.min_task_count');
    }
  });
});

describe('ingress and GitHub OIDC', () => {
  test('ingress: an HTTP API with a VPC link to the ALB listener', () => {
    const ingress = mod('http-ingress');
    expect(resource(ingress, 'aws_apigatewayv2_api', 'this').protocol_type).toBe('HTTP');
    const integration = resource(ingress, 'aws_apigatewayv2_integration', 'alb');
    expect(integration.connection_type).toBe('VPC_LINK');
    expect(integration.connection_id).toBe('${aws_apigatewayv2_vpc_link.this.id}');
    expect(integration.integration_uri).toBe('${var.listener_arn}');
    expect(stack('ingress').variables.get('listener_arn')?.description).toContain('production_listener_arn');
  });

  test('OIDC trust: aud is sts.amazonaws.com and sub is limited to the repository’s main branch and environments', () => {
    const oidc = mod('github-oidc');
    const provider = resource(oidc, 'aws_iam_openid_connect_provider', 'github');
    expect(provider.url).toBe('https://${local.issuer}');
    expect(oidc.locals.issuer).toBe('token.actions.githubusercontent.com');
    expect(provider.client_id_list).toEqual(['sts.amazonaws.com']);
    const trust = oidc.data.get('aws_iam_policy_document')?.get('trust');
    const statement = block(trust!, 'statement');
    const conditions = statement.condition as Block[];
    expect(conditions).toContainEqual({
      test: 'StringEquals',
      variable: '${local.issuer}:aud',
      values: ['sts.amazonaws.com'],
    });
    expect(conditions).toContainEqual({
      test: 'StringLike',
      variable: '${local.issuer}:sub',
      values: '${local.allowed_subjects}',
    });
    expect(oidc.locals.allowed_subjects).toEqual([
      'repo:${var.github_repository}:ref:refs/heads/main',
      'repo:${var.github_repository}:environment:*',
    ]);
    // No wildcard can widen the repository.
    expect(JSON.stringify(oidc.variables.get('github_repository')?.validation)).toContain('^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$');
  });

  test('the deploy role may pass only the task roles, to ECS tasks', () => {
    const policy = mod('github-oidc').data.get('aws_iam_policy_document')?.get('deploy');
    const statements = policy!.statement as Block[];
    const pass = statements.find((s) => s.sid === 'PassTaskRoles')!;
    expect(pass.actions).toEqual(['iam:PassRole']);
    expect(pass.resources).toBe('${var.pass_role_arns}');
    expect(pass.condition).toEqual([
      { test: 'StringEquals', variable: 'iam:PassedToService', values: ['ecs-tasks.amazonaws.com'] },
    ]);
    const everything = statements.flatMap((s) => s.actions as string[]);
    expect(everything.filter((a) => a.endsWith(':*') || a === '*')).toEqual([]);
  });
});

/** A Terraform version constraint such as `>= 5.100, < 7.0` or `~> 5.100` admits `version`. */
function admits(constraint: string, version: string): boolean {
  const cmp = (a: number[], b: number[]) => {
    for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
    return 0;
  };
  const v = version.split('.').map(Number);
  return constraint.split(',').every((part) => {
    const m = /^\s*(>=|<=|>|<|=|!=|~>)?\s*([\d.]+)\s*$/.exec(part);
    if (!m) return false;
    const op = m[1] ?? '=';
    const w = m[2]!.split('.').map(Number);
    const c = cmp(v, w);
    switch (op) {
      case '>=':
        return c >= 0;
      case '<=':
        return c <= 0;
      case '>':
        return c > 0;
      case '<':
        return c < 0;
      case '!=':
        return c !== 0;
      case '~>': {
        const upper = w.length <= 2 ? [(w[0] ?? 0) + 1] : [w[0] ?? 0, (w[1] ?? 0) + 1];
        return c >= 0 && cmp(v, upper) < 0;
      }
      default:
        return c === 0;
    }
  });
}

test('the version constraint reader', () => {
  expect(admits('>= 5.100, < 7.0', '5.100.0')).toBe(true);
  expect(admits('>= 5.100, < 7.0', '7.0.0')).toBe(false);
  expect(admits('~> 5.0', '5.100.0')).toBe(true);
  expect(admits('~> 6.0', '5.100.0')).toBe(false);
  expect(admits('>= 6.0', '5.100.0')).toBe(false);
});

// ---- The validations, evaluated by terraform itself (variables only: no provider, no network).

const terraformFound = spawnSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' }).status === 0;
if (!terraformFound) {
  console.warn('SKIPPED: running the service variables’ validation blocks with terraform: no `terraform` on PATH.');
}
const withTerraform = terraformFound ? test : test.skip;

describe('service stack variable validation, run by terraform', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tf-validation-'));
    cpSync(join(root, 'stacks', 'service', 'variables.tf'), join(dir, 'variables.tf'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const base = {
    aws_region: 'eu-west-1',
    vpc_id: 'vpc-1',
    public_subnet_ids: ['a', 'b'],
    private_subnet_ids: ['c', 'd'],
    alarm_topic_arn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
    task_definition_arn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/sample-app:1',
  };
  function plan(vars: Record<string, unknown>): { code: number | null; text: string } {
    writeFileSync(join(dir, 'test.tfvars.json'), JSON.stringify({ ...base, ...vars }));
    const run = spawnSync('terraform', ['plan', '-input=false', '-no-color', '-var-file=test.tfvars.json'], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TF_IN_AUTOMATION: '1' },
    });
    // Terraform wraps long messages: compare with the whitespace folded.
    return { code: run.status, text: `${run.stdout}${run.stderr}`.replace(/\s+/g, ' ') };
  }

  withTerraform('defaults and sensible values pass', () => {
    const run = plan({ cpu_scale_up_threshold: 75, cpu_scale_down_threshold: 25, max_scaled_task_count: 4 });
    expect(run.text).toContain('No changes');
    expect(run.code).toBe(0);
  });

  withTerraform.each([
    [{ cpu_scale_up_threshold: 101 }, 'cpu_scale_up_threshold must be from 1 to 100'],
    [{ cpu_scale_up_threshold: 0, cpu_scale_down_threshold: 0 }, 'cpu_scale_up_threshold must be from 1 to 100'],
    [{ cpu_scale_up_threshold: 30, cpu_scale_down_threshold: 40 }, 'above cpu_scale_down_threshold'],
    [{ cpu_scale_up_threshold: 40, cpu_scale_down_threshold: 40 }, 'above cpu_scale_down_threshold'],
    [{ min_task_count: 3, max_scaled_task_count: 2 }, 'max_scaled_task_count must be at least min_task_count'],
    [{ task_definition_arn: 'sample-app:1' }, 'task_definition_arn must be a task definition ARN'],
  ])('%j is refused', (vars, message) => {
    const run = plan(vars);
    expect(run.code).toBe(1);
    expect(run.text).toContain(message);
  });
});
