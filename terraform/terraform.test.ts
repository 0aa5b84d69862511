// Static checks of terraform/: every .tf file is read with @cdktf/hcl2json and what the README
// promises is asserted on the parsed configuration. Where terraform exists, it also evaluates
// the variable validations and the OIDC subjects (variables only, no provider), runs the modules'
// `terraform test` files against a mocked provider, and checks the lock files offline.
import { parse } from '@cdktf/hcl2json';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { FINGERPRINT_TAG_PREFIX } from '../actions/build-image/src/fingerprint.js';
import { CACHE_TAG_PREFIX } from '../actions/build-image/src/cache.js';

const root = dirname(fileURLToPath(import.meta.url));
const MODULES = ['alb', 'ecr-repository', 'ecs-bluegreen-service', 'github-oidc', 'http-ingress', 'network', 'task-iam'];
const STACKS = ['foundation', 'service', 'ingress', 'github-oidc', 'registry'];

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
    expect(resource(alb, 'aws_lb_listener', 'production').port).toBe('${local.production_listener_port}');
    expect(alb.locals.production_listener_port).toBe('${local.https ? var.https_port : var.production_port}');
    expect(resource(alb, 'aws_lb_listener', 'test').port).toBe('${var.test_port}');
    for (const name of ['production', 'test']) {
      expect(block(resource(alb, 'aws_lb_listener', name), 'lifecycle').ignore_changes).toEqual(['${default_action}']);
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

  test('only the production listener (and its redirect) is open to 0.0.0.0/0; the test listener to the VPC and named ranges; the tasks to the ALB only', () => {
    const open: string[] = [];
    for (const [where, config] of configs) {
      for (const [name, rule] of allOf(config, 'aws_vpc_security_group_ingress_rule')) {
        const cidr = rule.cidr_ipv4;
        const fromAll =
          cidr === '0.0.0.0/0' ||
          (cidr === '${each.value.cidr}' &&
            JSON.stringify(config.variables.get('ingress_cidrs')?.default ?? []).includes('0.0.0.0/0'));
        if (fromAll) open.push(`${where}:${name}:${String(rule.from_port)}`);
      }
      for (const [name, sg] of allOf(config, 'aws_security_group')) {
        // Inline rules would escape this check: all rules are separate resources.
        expect(`${where}:${name}:${'ingress' in sg}`).toBe(`${where}:${name}:false`);
      }
    }
    expect(open.sort()).toEqual(['modules/alb:production_listener:${each.value.port}']);
    const alb = mod('alb');
    expect(alb.locals.public_ports).toBe('${distinct([var.production_port, local.production_listener_port])}');
    // The test listener: the VPC's range plus test_listener_cidrs, which refuses 0.0.0.0/0.
    const test = resource(alb, 'aws_vpc_security_group_ingress_rule', 'test_listener');
    expect([test.for_each, test.cidr_ipv4, test.from_port]).toEqual(['${local.test_listener_sources}', '${each.value}', '${var.test_port}']);
    expect(alb.locals.test_listener_sources).toBe(
      '${merge({ vpc = data.aws_vpc.this.cidr_block }, { for cidr in var.test_listener_cidrs : cidr => cidr })}',
    );
    expect(alb.variables.get('test_listener_cidrs')?.default).toEqual([]);
    expect(JSON.stringify(alb.variables.get('test_listener_cidrs')?.validation)).toContain('c != \\"0.0.0.0/0\\"');
    expect(stack('service').modules.get('alb')?.test_listener_cidrs).toBe('${var.test_listener_cidrs}');
    expect(stack('service').variables.get('test_listener_cidrs')?.default).toEqual([]);
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

});

/** Every aws_iam_policy_document statement in terraform/, with where it is. */
function allStatements(): { where: string; doc: string; statement: Block }[] {
  const found: { where: string; doc: string; statement: Block }[] = [];
  for (const [where, config] of configs) {
    for (const [doc, body] of config.data.get('aws_iam_policy_document') ?? new Map<string, Block>()) {
      for (const statement of (body.statement as Block[] | undefined) ?? []) found.push({ where, doc, statement });
      // A dynamic statement's content, its actions a variable: expanded from the locals below.
      const dynamic = (body.dynamic as Block | undefined)?.statement as Block[] | undefined;
      for (const dyn of dynamic ?? []) {
        const source = /^\$\{local\.([a-z_]+)\}$/.exec(String(dyn.for_each))?.[1];
        const groups = (source ? config.locals[source] : {}) as Record<string, string[]>;
        for (const [key, actions] of Object.entries(groups)) {
          for (const content of dyn.content as Block[]) found.push({ where, doc, statement: { ...content, sid: key, actions } });
        }
      }
    }
  }
  return found;
}

const policy = (name: string) => mod('github-oidc').data.get('aws_iam_policy_document')?.get(name);
const statementsOf = (name: string) => (policy(name)!.statement as Block[]) ?? [];
const sid = (name: string, id: string) => statementsOf(name).find((s) => s.sid === id)!;

describe('GitHub OIDC: who may assume which role', () => {
  test('the provider: token.actions.githubusercontent.com, audience sts.amazonaws.com', () => {
    const oidc = mod('github-oidc');
    const provider = resource(oidc, 'aws_iam_openid_connect_provider', 'github');
    expect(provider.url).toBe('https://${local.issuer}');
    expect(oidc.locals.issuer).toBe('token.actions.githubusercontent.com');
    expect(provider.client_id_list).toEqual(['sts.amazonaws.com']);
  });

  test('every trust policy compares sub with StringEquals (never StringLike) against the computed exact subjects', () => {
    const subConditions = allStatements().flatMap(({ where, doc, statement }) =>
      ((statement.condition as Block[] | undefined) ?? [])
        .filter((c) => String(c.variable).endsWith(':sub'))
        .map((c) => ({ where, doc, ...c })),
    );
    expect(subConditions).toEqual([
      {
        where: 'modules/github-oidc',
        doc: 'trust',
        test: 'StringEquals',
        variable: '${local.issuer}:sub',
        values: '${each.value}',
      },
    ]);
    const trust = policy('trust')!;
    expect(trust.for_each).toBe(
      '${merge(local.trusted_subjects.deploy, local.trusted_subjects.provision, local.trusted_subjects.plan)}',
    );
    expect((block(trust, 'statement').condition as Block[])[0]).toEqual({
      test: 'StringEquals',
      variable: '${local.issuer}:aud',
      values: ['sts.amazonaws.com'],
    });
    // Each role takes its trust from its own entry, keyed by its name.
    const oidc = mod('github-oidc');
    for (const role of ['deploy', 'provision', 'plan']) {
      expect(resource(oidc, 'aws_iam_role', role).assume_role_policy).toBe(
        `\${data.aws_iam_policy_document.trust[${role === 'plan' ? 'each.key' : 'each.value'}].json}`,
      );
    }
    // No wildcard can widen the repository or an environment name.
    expect(JSON.stringify(oidc.variables.get('github_repository')?.validation)).toContain('^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$');
    expect(JSON.stringify(oidc.variables.get('deploy_environments')?.validation)).toContain('^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$');
  });

  test('the deploy role reads only its environments’ state keys and writes none; only the provision role writes state', () => {
    expect(sid('deploy', 'StateRead')).toEqual({
      sid: 'StateRead',
      actions: ['s3:GetObject'],
      resources: '${[for key in local.role_state_keys.deploy[each.value] : "${local.bucket_arn}/${key}"]}',
    });
    expect(sid('deploy', 'StateList').condition).toEqual([
      {
        test: 'StringEquals',
        variable: 's3:prefix',
        values: '${concat(local.role_state_keys.deploy[each.value], [local.workspace_list_prefix])}',
      },
    ]);
    const writers = allStatements()
      .filter(({ statement }) => (statement.actions as string[]).some((a) => /^s3:(PutObject|DeleteObject|\*)$/.test(a)))
      .map(({ doc, statement }) => `${doc}:${String(statement.sid)}:${String(statement.effect ?? 'Allow')}`);
    // The provision role's state and lock keys; the bucket policy's TLS-only Deny.
    expect(writers.sort()).toEqual(['provision_state:StateLocks:Allow', 'provision_state:StateReadWrite:Allow', 'state_bucket:TlsOnly:Deny']);
    expect(sid('provision_state', 'StateLocks').resources).toBe(
      '${[for key in local.role_state_keys.provision[each.value] : "${local.bucket_arn}/${key}.tflock"]}',
    );
  });

  test('the deploy role: task roles passed to ECS only; tags only when registering; lifecycle hooks of its cluster', () => {
    const pass = sid('deploy', 'PassTaskRoles');
    expect(pass.actions).toEqual(['iam:PassRole']);
    expect(pass.resources).toBe('${var.pass_role_arns}');
    expect(pass.condition).toEqual([{ test: 'StringEquals', variable: 'iam:PassedToService', values: ['ecs-tasks.amazonaws.com'] }]);
    expect(sid('deploy', 'TagOnRegister')).toEqual({
      sid: 'TagOnRegister',
      actions: ['ecs:TagResource'],
      resources: ['*'],
      condition: [{ test: 'StringEquals', variable: 'ecs:CreateAction', values: ['RegisterTaskDefinition'] }],
    });
    expect(sid('deploy', 'LifecycleHooks')).toEqual({
      sid: 'LifecycleHooks',
      actions: ['ecs:ContinueServiceDeployment'],
      resources: ['arn:${local.partition}:ecs:${local.region}:${local.account}:service-deployment/${var.ecs_cluster_name}/*'],
    });
    const everything = allStatements().flatMap(({ statement }) => statement.actions as string[]);
    expect(everything.filter((a) => (a.endsWith(':*') || a === '*') && a !== 's3:*' && a !== 'kms:*')).toEqual([]);
  });

  test("the deploy role reads target groups for deploy-bluegreen's expected timeline, and nothing else of ELBv2", () => {
    expect(sid('deploy', 'TargetGroupReads')).toEqual({
      sid: 'TargetGroupReads',
      actions: ['elasticloadbalancing:DescribeTargetGroupAttributes', 'elasticloadbalancing:DescribeTargetGroups'],
      resources: ['*'],
    });
    const elbv2 = allStatements()
      .filter(({ doc }) => doc === 'deploy')
      .flatMap(({ statement }) => statement.actions as string[])
      .filter((a) => a.startsWith('elasticloadbalancing:'));
    expect(elbv2.sort()).toEqual([
      'elasticloadbalancing:DescribeTargetGroupAttributes',
      'elasticloadbalancing:DescribeTargetGroups',
    ]);
  });

  test('the plan role: explicit read actions, state keys only, no ReadOnlyAccess, no object read elsewhere, no write', () => {
    const all = readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.tf'))
      .map((f) => readFileSync(join(root, f), 'utf8'))
      .join('\n');
    expect(all).not.toContain('ReadOnlyAccess');
    const oidc = mod('github-oidc');
    expect(oidc.resources.get('aws_iam_role_policy_attachment')?.has('plan')).toBe(false);
    const reads = oidc.locals.plan_read_actions as Record<string, string[]>;
    const plan = statementsOf('plan');
    const actions = [...Object.values(reads).flat(), ...plan.flatMap((s) => s.actions as string[])];
    expect(actions.filter((a) => !/^[a-z0-9-]+:(Describe|List|Get|GET)[A-Za-z]*$/.test(a))).toEqual([]);
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    expect(actions).not.toContain('s3:PutObject');
    expect(actions).not.toContain('s3:DeleteObject');
    expect(actions).not.toContain('kms:Decrypt');
    // Object reads: the state keys only (no "*", no bucket/*).
    const objectReads = plan.filter((s) => (s.actions as string[]).includes('s3:GetObject'));
    expect(objectReads).toEqual([
      { sid: 'StateRead', actions: ['s3:GetObject'], resources: '${[for key in each.value : "${local.bucket_arn}/${key}"]}' },
    ]);
    // The "*" statements (describe calls that take no resource) carry no S3 action.
    const dynamic = (policy('plan')!.dynamic as Block).statement as Block[];
    expect(dynamic[0]!.for_each).toBe('${local.plan_read_actions}');
    expect(dynamic[0]!.content).toEqual([{ sid: '${statement.key}', actions: '${statement.value}', resources: ['*'] }]);
    expect(Object.values(reads).flat().filter((a) => a.startsWith('s3:'))).toEqual([]);
  });

  test('the state bucket: versioned, encrypted, public access blocked, TLS only, ACLs off', () => {
    const oidc = mod('github-oidc');
    expect(block(resource(oidc, 'aws_s3_bucket_versioning', 'state'), 'versioning_configuration').status).toBe('Enabled');
    const sse = block(block(resource(oidc, 'aws_s3_bucket_server_side_encryption_configuration', 'state'), 'rule'), 'apply_server_side_encryption_by_default');
    expect(sse.sse_algorithm).toBe('AES256');
    const pab = resource(oidc, 'aws_s3_bucket_public_access_block', 'state');
    for (const setting of ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'])
      expect(`${setting}=${String(pab[setting])}`).toBe(`${setting}=true`);
    expect(block(resource(oidc, 'aws_s3_bucket_ownership_controls', 'state'), 'rule').object_ownership).toBe('BucketOwnerEnforced');
    const tls = block(policy('state_bucket')!, 'statement');
    expect(tls.effect).toBe('Deny');
    expect(tls.actions).toEqual(['s3:*']);
    expect(tls.resources).toEqual(['${local.bucket_arn}', '${local.bucket_arn}/*']);
    expect(tls.condition).toEqual([{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }]);
    expect(resource(oidc, 'aws_s3_bucket_policy', 'state').policy).toBe('${data.aws_iam_policy_document.state_bucket.json}');
  });
});

// ---- The subjects, evaluated by terraform itself from the module's variables.tf and subjects.tf.

const terraformOnPath = spawnSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' }).status === 0;
const withTf = terraformOnPath ? test : test.skip;

describe('GitHub OIDC subjects, computed by terraform', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tf-subjects-'));
    for (const f of ['variables.tf', 'subjects.tf']) cpSync(join(root, 'modules', 'github-oidc', f), join(dir, f));
    writeFileSync(
      join(dir, 'outputs.tf'),
      'output "trusted" {\n  value = local.trusted_subjects\n}\noutput "keys" {\n  value = local.role_state_keys\n}\n',
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  type Roles = Record<'deploy' | 'provision' | 'plan', Record<string, string[]>>;
  function evaluate(vars: Record<string, unknown>): { trusted: Roles; keys: Roles } {
    const base = {
      github_repository: 'acme/shop',
      ecr_repository_arns: [],
      ecs_cluster_name: 'shop',
      pass_role_arns: [],
      codedeploy_application: 'shop',
      state_bucket: 'acme-tf-state',
    };
    writeFileSync(join(dir, 'test.tfvars.json'), JSON.stringify({ ...base, ...vars }));
    const run = spawnSync('terraform', ['apply', '-auto-approve', '-input=false', '-no-color', '-var-file=test.tfvars.json'], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TF_IN_AUTOMATION: '1' },
    });
    if (run.status !== 0) throw new Error(`terraform apply failed:\n${run.stdout}${run.stderr}`);
    const out = spawnSync('terraform', ['output', '-json'], { cwd: dir, encoding: 'utf8' });
    const json = JSON.parse(out.stdout) as { trusted: { value: Roles }; keys: { value: Roles } };
    rmSync(join(dir, 'terraform.tfstate'), { force: true });
    return { trusted: json.trusted.value, keys: json.keys.value };
  }

  /** What a job's token would carry, as GitHub builds it (the default or the customised format). */
  function subjectOf(job: { environment: string; workflow?: string; ref?: string }): string {
    const base = `repo:acme/shop:environment:${job.environment}`;
    return job.workflow ? `${base}:job_workflow_ref:acme/shop/.github/workflows/${job.workflow}@${job.ref}` : base;
  }

  withTf('default: one exact subject per deploy environment; E-infra and E-destroy for provision; plan its own', () => {
    const { trusted, keys } = evaluate({ deploy_environments: ['production', 'staging'] });
    expect(trusted).toEqual({
      deploy: { 'github-deploy': ['repo:acme/shop:environment:production', 'repo:acme/shop:environment:staging'] },
      provision: {
        'github-deploy-provision': [
          'repo:acme/shop:environment:production-infra',
          'repo:acme/shop:environment:production-destroy',
          'repo:acme/shop:environment:staging-infra',
          'repo:acme/shop:environment:staging-destroy',
        ],
      },
      plan: { 'github-plan': ['repo:acme/shop:environment:plan'] },
    });
    expect(keys.deploy['github-deploy']).toEqual([
      'production/foundation.tfstate',
      'production/service.tfstate',
      'production/ingress.tfstate',
      'staging/foundation.tfstate',
      'staging/service.tfstate',
      'staging/ingress.tfstate',
    ]);
    expect(keys.plan['github-plan']).toEqual([...keys.deploy['github-deploy']!, 'github-oidc.tfstate']);
    // A push to a branch, a pull request, or a job naming another environment: none is trusted.
    const every = Object.values(trusted).flatMap((r) => Object.values(r).flat());
    for (const other of ['repo:acme/shop:ref:refs/heads/main', 'repo:acme/shop:pull_request', subjectOf({ environment: 'anything' })])
      expect(every).not.toContain(other);
    expect(every.filter((s) => /[*?]/.test(s))).toEqual([]);
  });

  withTf('a role per environment: each trusts and reads its own environment only; renamed infra/destroy environments', () => {
    const { trusted, keys } = evaluate({
      deploy_environments: ['production', 'staging'],
      role_per_environment: true,
      provision_environments: { staging: { infra: 'stage-apply', destroy: 'stage-teardown' } },
    });
    expect(trusted.deploy).toEqual({
      'github-deploy-production': ['repo:acme/shop:environment:production'],
      'github-deploy-staging': ['repo:acme/shop:environment:staging'],
    });
    expect(trusted.provision).toEqual({
      'github-deploy-provision-production': ['repo:acme/shop:environment:production-infra', 'repo:acme/shop:environment:production-destroy'],
      'github-deploy-provision-staging': ['repo:acme/shop:environment:stage-apply', 'repo:acme/shop:environment:stage-teardown'],
    });
    expect(keys.deploy['github-deploy-staging']).toEqual(['staging/foundation.tfstate', 'staging/service.tfstate', 'staging/ingress.tfstate']);
    expect(keys.provision['github-deploy-provision-production']).toEqual([
      'production/foundation.tfstate',
      'production/service.tfstate',
      'production/ingress.tfstate',
    ]);
  });

  withTf('customised subject claim: provision subjects can only be met from main, through the init and destroy workflows; no plan role', () => {
    const { trusted } = evaluate({ deploy_environments: ['production'], subject_includes_job_workflow_ref: true });
    const provision = trusted.provision['github-deploy-provision']!;
    expect(provision).toEqual([
      'repo:acme/shop:environment:production-infra:job_workflow_ref:acme/shop/.github/workflows/reusable-init.yml@refs/heads/main',
      'repo:acme/shop:environment:production-destroy:job_workflow_ref:acme/shop/.github/workflows/reusable-destroy.yml@refs/heads/main',
    ]);
    expect(trusted.deploy['github-deploy']).toEqual([
      'repo:acme/shop:environment:production:job_workflow_ref:acme/shop/.github/workflows/reusable-deploy.yml@refs/heads/main',
    ]);
    expect(trusted.plan).toEqual({});
    // StringEquals: a token is trusted only when its subject is in the list, character for character.
    const met = (subject: string) => provision.includes(subject);
    expect(met(subjectOf({ environment: 'production-infra', workflow: 'reusable-init.yml', ref: 'refs/heads/main' }))).toBe(true);
    for (const ref of ['refs/heads/feature', 'refs/heads/main-copy', 'refs/pull/7/merge', 'refs/tags/v1'])
      expect(met(subjectOf({ environment: 'production-infra', workflow: 'reusable-init.yml', ref }))).toBe(false);
    expect(met(subjectOf({ environment: 'production-infra', workflow: 'evil.yml', ref: 'refs/heads/main' }))).toBe(false);
    expect(met(subjectOf({ environment: 'production-infra' }))).toBe(false);
  });

  withTf('default format: the provision subjects are the E-infra and E-destroy environments only (main-only by their branch policy)', () => {
    const { trusted } = evaluate({ deploy_environments: ['production'] });
    for (const subject of trusted.provision['github-deploy-provision']!)
      expect(subject).toMatch(/^repo:acme\/shop:environment:production-(infra|destroy)$/);
  });

  withTf.each([
    [{ deploy_environments: ['prod*'] }, 'deploy_environments must list at least one environment name'],
    [{ deploy_environments: [] }, 'deploy_environments must list at least one environment name'],
    [{ deploy_environments: ['production'], plan_environment: 'pl?n' }, 'plan_environment must be empty or'],
    [{ deploy_environments: ['production'], provision_environments: { staging: { infra: 'a', destroy: 'b' } } }, 'provision_environments must be keyed by names in deploy_environments'],
    [{ deploy_environments: ['production'], plan_role_name: 'github-deploy-x' }, 'plan_role_name must differ from deploy_role_name'],
  ])('%j is refused', (vars, message) => {
    expect(() => evaluate(vars)).toThrow(message);
  });
});

describe('alerts that arrive', () => {
  test('a customer-managed key CloudWatch may use for this account’s alarms; or no encryption, by choice', () => {
    const foundation = stack('foundation');
    expect(resource(foundation, 'aws_sns_topic', 'alerts').kms_master_key_id).toBe('${local.encrypt_kms ? aws_kms_key.alerts[0].arn : null}');
    expect(foundation.locals.encrypt_kms).toBe('${var.alerts_topic_encryption == "kms"}');
    expect(foundation.variables.get('alerts_topic_encryption')?.default).toBe('kms');
    expect(resource(foundation, 'aws_kms_key', 'alerts').enable_key_rotation).toBe(true);
    const key = foundation.data.get('aws_iam_policy_document')?.get('alerts_key')?.statement as Block[];
    const cloudwatch = key.find((s) => s.sid === 'CloudWatchAlarms')!;
    expect(cloudwatch.actions).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    expect(cloudwatch.principals).toEqual([{ type: 'Service', identifiers: ['cloudwatch.amazonaws.com'] }]);
    const guards = [
      { test: 'StringEquals', variable: 'aws:SourceAccount', values: ['${local.account}'] },
      { test: 'ArnLike', variable: 'aws:SourceArn', values: ['${local.alarm_arns}'] },
    ];
    expect(cloudwatch.condition).toEqual(guards);
    const topic = block(foundation.data.get('aws_iam_policy_document')!.get('alerts')!, 'statement');
    expect(topic.condition).toEqual(guards);
    expect(foundation.locals.alarm_arns).toBe('arn:${local.partition}:cloudwatch:${var.aws_region}:${local.account}:alarm:${var.name}-*');
    // Every service principal in terraform/ is guarded (the CodeDeploy trust is inline JSON below).
    for (const { doc, statement } of allStatements()) {
      const service = ((statement.principals as Block[] | undefined) ?? []).some((p) => p.type === 'Service');
      if (service) expect(`${doc}: ${JSON.stringify(statement.condition)}`).toContain('aws:SourceAccount');
    }
  });

  test('CodeDeploy: failed, stopped and rolled-back deployments notify the topic; its role is guarded and may publish there', () => {
    const service = mod('ecs-bluegreen-service');
    const group = resource(service, 'aws_codedeploy_deployment_group', 'this');
    const trigger = block(group, 'trigger_configuration');
    expect(trigger.trigger_events).toEqual(['DeploymentFailure', 'DeploymentStop', 'DeploymentRollback']);
    expect(trigger.trigger_target_arn).toBe('${var.alarm_topic_arn}');
    const trust = String(resource(service, 'aws_iam_role', 'codedeploy').assume_role_policy);
    expect(trust).toContain('"aws:SourceAccount" = local.account');
    expect(trust).toContain('"aws:SourceArn" = "arn:${local.partition}:codedeploy:${local.region}:${local.account}:deploymentgroup:${var.name}/*"');
    const publish = String(resource(service, 'aws_iam_role_policy', 'codedeploy_notifications').policy);
    expect(publish).toContain('Action   = "sns:Publish"\n        Resource = var.alarm_topic_arn');
    expect(publish).toContain('"kms:ViaService" = "sns.${local.region}.amazonaws.com"');
  });
});

describe('ECR lifecycle and the build-image tags', () => {
  test('the lifecycle counts the tag prefix build-image gives its images', () => {
    expect(mod('ecr-repository').variables.get('tag_prefix')?.default).toBe(FINGERPRINT_TAG_PREFIX);
    expect(mod('ecr-repository').variables.get('untagged_expiry_days')?.default).toBe(1);
  });

  test("the lifecycle keeps the newest build caches under build-image's cache tag prefix", () => {
    const ecr = mod('ecr-repository');
    expect(ecr.variables.get('cache_tag_prefix')?.default).toBe(CACHE_TAG_PREFIX);
    expect(ecr.variables.get('cache_images_to_keep')?.default).toBeGreaterThanOrEqual(1);
    // The fingerprint rule must not count cache tags, or caches would push images out of the kept ones.
    expect(`${CACHE_TAG_PREFIX}${FINGERPRINT_TAG_PREFIX}x`.startsWith(FINGERPRINT_TAG_PREFIX)).toBe(false);
    const policy = String(resource(ecr, 'aws_ecr_lifecycle_policy', 'this').policy);
    expect(policy).toContain('tagPrefixList = [var.cache_tag_prefix]');
    expect(policy).toContain('countNumber   = var.cache_images_to_keep');
  });
});

describe('one registry for every environment', () => {
  const PULL = ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

  test('the registry stack: one repository that refuses deletion with images, and one repository policy', () => {
    const registry = stack('registry');
    expect(registry.modules.get('ecr')?.source).toBe('../../modules/ecr-repository');
    expect(registry.modules.get('ecr')?.force_delete).toBe(false);
    expect(allOf(registry, 'aws_ecr_repository_policy').map(([name]) => name)).toEqual(['pull']);
    expect([...registry.resources.keys()]).toEqual(['aws_ecr_repository_policy']);
  });

  test("its policy lets each listed execution role pull, and grants nothing else to anyone", () => {
    const policy = String(resource(stack('registry'), 'aws_ecr_repository_policy', 'pull').policy);
    // One statement, an Allow, for exactly the pull actions; every ecr: action in it is a pull.
    expect(policy.match(/Sid\s*=/g)).toHaveLength(1);
    expect(policy).toMatch(/Effect\s*=\s*"Allow"/);
    expect(policy).not.toMatch(/"Deny"|NotAction|NotPrincipal/);
    expect([...policy.matchAll(/"(ecr:[A-Za-z*]+)"/g)].map((m) => m[1]).sort()).toEqual(PULL);
    // The principals: only the listed roles, by aws:PrincipalArn, in their own accounts.
    expect(policy).toMatch(/Principal\s*=\s*\{\s*AWS\s*=\s*local\.puller_accounts\s*\}/);
    expect(policy).toMatch(/Condition\s*=\s*\{\s*ArnEquals\s*=\s*\{\s*"aws:PrincipalArn"\s*=\s*var\.puller_role_arns\s*\}\s*\}/);
    expect(policy).not.toContain('"*"');
    // The roles are validated as role ARNs without wildcards.
    const validation = block(stack('registry').variables.get('puller_role_arns')!, 'validation');
    expect(String(validation.condition)).toContain('iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,64}$');
  });

  test("each environment's execution role pulls from the shared repository when given one", () => {
    const foundation = stack('foundation');
    expect(foundation.modules.get('ecr')?.count).toBe('${local.shared_repository ? 0 : 1}');
    expect(foundation.modules.get('task_iam')?.repository_arn).toBe('${local.repository.arn}');
    // The execution role's own policy: pull on that repository only (plus the registry login).
    const statements = mod('task-iam').data.get('aws_iam_policy_document')!.get('execution')!.statement as Block[];
    expect(statements.find((st) => st.sid === 'PullImages')).toMatchObject({
      actions: PULL,
      resources: ['${var.repository_arn}'],
    });
  });

  test('destroying an environment leaves the registry: destroy never works on the registry stack', () => {
    const destroy = parseYaml(readFileSync(join(root, '..', '.github', 'workflows', 'reusable-destroy.yml'), 'utf8')) as {
      jobs: Record<string, { steps?: Array<{ uses?: string; with?: Record<string, unknown> }> }>;
    };
    const stacks = Object.values(destroy.jobs)
      .flatMap((job) => job.steps ?? [])
      .filter((step) => step.uses === './actions/provision')
      .map((step) => String(step.with?.['working-directory']));
    expect(stacks.length).toBeGreaterThan(0);
    expect(stacks.filter((dir) => /registry/.test(dir))).toEqual([]);
    // Its state key is not under any environment's prefix.
    const keys = Object.values(destroy.jobs)
      .flatMap((job) => job.steps ?? [])
      .map((step) => String(step.with?.['backend-config'] ?? ''))
      .filter((text) => text.includes('key='));
    expect(keys.filter((text) => /registry/.test(text))).toEqual([]);
  });
});

describe('provider lock files', () => {
  test('every stack commits .terraform.lock.hcl pinning hashicorp/aws 5.100.0 with a hash; .gitignore keeps them', () => {
    for (const s of STACKS) {
      const lock = readFileSync(join(root, 'stacks', s, '.terraform.lock.hcl'), 'utf8');
      expect(lock).toContain('provider "registry.terraform.io/hashicorp/aws" {\n  version     = "5.100.0"');
      expect(lock).toMatch(/"h1:[A-Za-z0-9+/=]{44}"/);
    }
    expect(readFileSync(join(root, '..', '.gitignore'), 'utf8')).not.toMatch(/lock\.hcl/);
  });
});

const pluginDir = process.env.TF_PLUGIN_DIR ?? '/opt/tf-plugins';
const withProviders = terraformOnPath && existsSync(pluginDir) ? test : test.skip;
if (!(terraformOnPath && existsSync(pluginDir))) {
  console.warn(`SKIPPED: terraform test and lock checks with the AWS provider: no terraform or no ${pluginDir} (set TF_PLUGIN_DIR).`);
}

/** terraform in a copy of `source`, with the provider from the plugin folder. */
function inCopy(source: string, commands: string[][]): { code: number | null; text: string }[] {
  const dir = mkdtempSync(join(tmpdir(), 'tf-copy-'));
  try {
    cpSync(source, dir, { recursive: true, filter: (f) => !/[\\/]\.terraform([\\/]|$)/.test(f) });
    return commands.map((args) => {
      const run = spawnSync('terraform', args, {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: process.env.HOME, TF_IN_AUTOMATION: '1' },
      });
      return { code: run.status, text: `${run.stdout}${run.stderr}`.replace(/\s+/g, ' ') };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('with the AWS provider from the plugin folder (offline)', () => {
  withProviders.each(['stacks/registry', 'stacks/foundation'])(
    '%s: its terraform test files pass against a mocked provider (the policy, the shared repository)',
    (where) => {
      // The stack with the modules beside it, as its ../../modules sources expect.
      const copy = mkdtempSync(join(tmpdir(), 'tf-stack-'));
      try {
        const noState = (f: string) => !/[\\/]\.terraform([\\/]|$)/.test(f);
        cpSync(join(root, where), join(copy, where), { recursive: true, filter: noState });
        cpSync(join(root, 'modules'), join(copy, 'modules'), { recursive: true, filter: noState });
        const run = (args: string[]) => {
          const result = spawnSync('terraform', args, {
            cwd: join(copy, where),
            encoding: 'utf8',
            env: { PATH: process.env.PATH, HOME: process.env.HOME, TF_IN_AUTOMATION: '1' },
          });
          return { code: result.status, text: `${result.stdout}${result.stderr}`.replace(/\s+/g, ' ') };
        };
        expect(run(['init', '-backend=false', '-input=false', '-no-color', `-plugin-dir=${pluginDir}`]).code).toBe(0);
        const tested = run(['test', '-no-color']);
        expect(tested.text).toMatch(/Success! \d+ passed, 0 failed/);
        expect(tested.code).toBe(0);
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    },
  );

  withProviders.each(['alb', 'ecr-repository'])('modules/%s: its terraform test files pass against a mocked provider', (m) => {
    const [init, run] = inCopy(join(root, 'modules', m), [
      ['init', '-input=false', '-no-color', `-plugin-dir=${pluginDir}`],
      ['test', '-no-color'],
    ]);
    expect(init!.code).toBe(0);
    expect(run!.text).toMatch(/Success! \d+ passed, 0 failed/);
    expect(run!.code).toBe(0);
  });

  withProviders('init -plugin-dir verifies the lock file: the committed hash installs, another is refused', () => {
    const init = (lock: (text: string) => string) => {
      const copy = mkdtempSync(join(tmpdir(), 'tf-lock-'));
      try {
        const noState = (f: string) => !/[\\/]\.terraform([\\/]|$)/.test(f);
        cpSync(join(root, 'stacks', 'service'), join(copy, 'stacks', 'service'), { recursive: true, filter: noState });
        cpSync(join(root, 'modules'), join(copy, 'modules'), { recursive: true, filter: noState });
        const lockPath = join(copy, 'stacks', 'service', '.terraform.lock.hcl');
        writeFileSync(lockPath, lock(readFileSync(lockPath, 'utf8')));
        const run = spawnSync('terraform', ['init', '-backend=false', '-input=false', '-no-color', `-plugin-dir=${pluginDir}`], {
          cwd: join(copy, 'stacks', 'service'),
          encoding: 'utf8',
          env: { PATH: process.env.PATH, HOME: process.env.HOME, TF_IN_AUTOMATION: '1' },
        });
        return { code: run.status, text: `${run.stdout}${run.stderr}`.replace(/\s+/g, ' ') };
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    };
    expect(init((text) => text).code).toBe(0);
    const tampered = init((text) => text.replace(/"h1:[^"]+"/, '"h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="'));
    expect(tampered.code).toBe(1);
    expect(tampered.text).toContain("doesn't match any of the checksums previously recorded in the dependency lock file");
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

// ---- One-off tasks, secrets and hooks: what each role gains, and only when asked for.

/** The dynamic statements of a policy document, by sid, with the expression that turns each on. */
function dynamicStatements(config: Config, doc: string): Map<string, { on: unknown; statement: Block }> {
  const body = config.data.get('aws_iam_policy_document')?.get(doc);
  const found = new Map<string, { on: unknown; statement: Block }>();
  for (const dyn of ((body?.dynamic as Block | undefined)?.statement as Block[] | undefined) ?? []) {
    const content = (dyn.content as Block[])[0]!;
    found.set(String(content.sid), { on: dyn.for_each, statement: content });
  }
  return found;
}

/** Every action granted anywhere in terraform/: static, dynamic and inline jsonencode statements. */
function everyGrantedAction(): string[] {
  const actions = allStatements().flatMap(({ statement }) => statement.actions as string[]);
  for (const [, config] of configs) {
    for (const doc of config.data.get('aws_iam_policy_document')?.keys() ?? []) {
      for (const { statement } of dynamicStatements(config, doc).values())
        if (Array.isArray(statement.actions)) actions.push(...(statement.actions as string[]));
    }
    for (const [, policy] of allOf(config, 'aws_iam_role_policy')) {
      for (const match of String(policy.policy).matchAll(/Action\s*=\s*("[^"]+"|\[[^\]]*\])/g))
        actions.push(...[...match[1]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!));
    }
  }
  return actions;
}

describe('one-off tasks (run-task-command): the deploy role', () => {
  const clusterArn = 'arn:${local.partition}:ecs:${local.region}:${local.account}:cluster/${var.ecs_cluster_name}';
  const onCluster = [{ test: 'ArnEquals', variable: 'ecs:cluster', values: ['${local.cluster_arn}'] }];

  test('ecs:RunTask on the listed families’ task definitions, in the deploy cluster only', () => {
    const oidc = mod('github-oidc');
    expect(oidc.locals.cluster_arn).toBe(clusterArn);
    const runTask = dynamicStatements(oidc, 'deploy').get('RunTask')!;
    expect(runTask.on).toBe('${length(var.run_task_families) > 0 ? ["RunTask"] : []}');
    expect(runTask.statement).toEqual({
      sid: 'RunTask',
      actions: ['ecs:RunTask'],
      resources:
        '${[for family in var.run_task_families : "arn:${local.partition}:ecs:${local.region}:${local.account}:task-definition/${family}:*"]}',
      condition: onCluster,
    });
  });

  test('ecs:StopTask on the cluster’s tasks (timeout, cancel), cluster-conditioned; DescribeTasks was already there', () => {
    const oidc = mod('github-oidc');
    const stopTask = dynamicStatements(oidc, 'deploy').get('StopTask')!;
    expect(stopTask.on).toBe('${length(var.run_task_families) > 0 ? ["StopTask"] : []}');
    expect(stopTask.statement).toEqual({
      sid: 'StopTask',
      actions: ['ecs:StopTask'],
      resources: ['arn:${local.partition}:ecs:${local.region}:${local.account}:task/${var.ecs_cluster_name}/*'],
      condition: onCluster,
    });
    const services = sid('deploy', 'Services');
    expect(services.actions).toEqual(expect.arrayContaining(['ecs:DescribeTasks', 'ecs:ListTasks']));
    expect(services.condition).toEqual(onCluster);
  });

  test('logs:GetLogEvents on the streams of the listed log groups only', () => {
    const logs = dynamicStatements(mod('github-oidc'), 'deploy').get('TaskLogs')!;
    expect(logs.on).toBe('${length(var.log_group_names) > 0 ? ["TaskLogs"] : []}');
    expect(logs.statement).toEqual({
      sid: 'TaskLogs',
      actions: ['logs:GetLogEvents'],
      resources:
        '${[for group in var.log_group_names : "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:${group}:log-stream:*"]}',
    });
  });

  test('nothing else in terraform/ grants these actions; the variables refuse wildcards; the stack and the plan pass foundation’s outputs', () => {
    const granted = everyGrantedAction();
    for (const action of ['ecs:RunTask', 'ecs:StopTask', 'logs:GetLogEvents']) expect(granted.filter((a) => a === action)).toEqual([action]);
    const oidc = mod('github-oidc');
    expect(oidc.variables.get('run_task_families')?.default).toEqual([]);
    expect(oidc.variables.get('log_group_names')?.default).toEqual([]);
    expect(JSON.stringify(oidc.variables.get('run_task_families')?.validation)).toContain('^[A-Za-z0-9_-]{1,255}$');
    expect(JSON.stringify(oidc.variables.get('log_group_names')?.validation)).toContain('^[A-Za-z0-9_./#-]{1,512}$');
    const passed = stack('github-oidc').modules.get('github_oidc')!;
    expect([passed.run_task_families, passed.log_group_names]).toEqual(['${var.run_task_families}', '${var.log_group_names}']);
    const plan = readFileSync(join(root, '..', '.github', 'workflows', 'plan.yml'), 'utf8');
    expect(plan).toContain(`"run_task_families": [\${{ toJSON(fromJSON(steps.foundation-state.outputs.outputs || '{}').task_family) }}]`);
    expect(plan).toContain(`"log_group_names": [\${{ toJSON(fromJSON(steps.foundation-state.outputs.outputs || '{}').log_group_name) }}]`);
  });
});

describe('secrets: the execution role reads exactly the listed secrets', () => {
  const iam = () => mod('task-iam');

  test('secretsmanager:GetSecretValue, ssm:GetParameters, kms:Decrypt through those services only; each only with a non-empty list', () => {
    const dynamic = dynamicStatements(iam(), 'execution');
    expect([...dynamic.keys()]).toEqual(['ReadSecrets', 'ReadParameters', 'DecryptSecrets']);
    expect(dynamic.get('ReadSecrets')).toEqual({
      on: '${length(var.secret_arns) > 0 ? ["ReadSecrets"] : []}',
      statement: { sid: 'ReadSecrets', actions: ['secretsmanager:GetSecretValue'], resources: '${var.secret_arns}' },
    });
    expect(dynamic.get('ReadParameters')).toEqual({
      on: '${length(var.parameter_arns) > 0 ? ["ReadParameters"] : []}',
      statement: { sid: 'ReadParameters', actions: ['ssm:GetParameters'], resources: '${var.parameter_arns}' },
    });
    expect(dynamic.get('DecryptSecrets')).toEqual({
      on: '${length(var.secret_kms_key_arns) > 0 ? ["DecryptSecrets"] : []}',
      statement: {
        sid: 'DecryptSecrets',
        actions: ['kms:Decrypt'],
        resources: '${var.secret_kms_key_arns}',
        condition: [
          {
            test: 'StringEquals',
            variable: 'kms:ViaService',
            values: ['secretsmanager.${data.aws_region.current.name}.amazonaws.com', 'ssm.${data.aws_region.current.name}.amazonaws.com'],
          },
        ],
      },
    });
    // The static statements are unchanged: pull, log; nothing about secrets.
    const fixed = (iam().data.get('aws_iam_policy_document')!.get('execution')!.statement as Block[]).map((s) => s.sid);
    expect(fixed).toEqual(['EcrAuth', 'PullImages', 'WriteLogs']);
    const granted = everyGrantedAction();
    for (const action of ['secretsmanager:GetSecretValue', 'ssm:GetParameters']) expect(granted.filter((a) => a === action)).toEqual([action]);
  });

  test('the foundation stack passes its secret variables (default empty) to the execution role', () => {
    const foundation = stack('foundation');
    const passed = foundation.modules.get('task_iam')!;
    for (const name of ['secret_arns', 'parameter_arns', 'secret_kms_key_arns']) {
      expect(passed[name]).toBe(`\${var.${name}}`);
      expect(foundation.variables.get(name)?.default).toEqual([]);
      expect(iam().variables.get(name)?.default).toEqual([]);
    }
  });

  describe('the task-iam variables’ validation, run by terraform', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'tf-task-iam-'));
      cpSync(join(root, 'modules', 'task-iam', 'variables.tf'), join(dir, 'variables.tf'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const base = { name: 'app', repository_arn: 'arn:aws:ecr:eu-west-1:123456789012:repository/app', log_group_arn: 'arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/app' };
    function plan(vars: Record<string, unknown>) {
      writeFileSync(join(dir, 'test.tfvars.json'), JSON.stringify({ ...base, ...vars }));
      const run = spawnSync('terraform', ['plan', '-input=false', '-no-color', '-var-file=test.tfvars.json'], {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: process.env.HOME, TF_IN_AUTOMATION: '1' },
      });
      return { code: run.status, text: `${run.stdout}${run.stderr}`.replace(/\s+/g, ' ') };
    }

    withTerraform('bare secret, parameter and key ARNs pass', () => {
      const run = plan({
        secret_arns: ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-password-AbCdEf'],
        parameter_arns: ['arn:aws:ssm:eu-west-1:123456789012:parameter/app/api-key'],
        secret_kms_key_arns: ['arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
      });
      expect(run.text).toContain('No changes');
      expect(run.code).toBe(0);
    });

    withTerraform.each([
      [{ secret_arns: ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-password-AbCdEf:password::'] }, 'secret_arns must list whole Secrets Manager secret ARNs'],
      [{ secret_arns: ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:*'] }, 'secret_arns must list whole Secrets Manager secret ARNs'],
      [{ parameter_arns: ['arn:aws:ssm:eu-west-1:123456789012:parameter/app/*'] }, 'parameter_arns must list SSM parameter ARNs'],
      [{ secret_kms_key_arns: ['arn:aws:kms:eu-west-1:123456789012:alias/app'] }, 'secret_kms_key_arns must list KMS key ARNs'],
    ])('%j is refused', (vars, message) => {
      const run = plan(vars);
      expect(run.code).toBe(1);
      expect(run.text).toContain(message);
    });
  });
});

describe('AppSpec hooks: the CodeDeploy role invokes exactly the listed functions', () => {
  test('lambda:InvokeFunction on hook_function_arns, only when listed; the service stack passes them', () => {
    const service = mod('ecs-bluegreen-service');
    const hooks = resource(service, 'aws_iam_role_policy', 'codedeploy_hooks');
    expect(hooks.count).toBe('${length(var.hook_function_arns) > 0 ? 1 : 0}');
    expect(hooks.role).toBe('${aws_iam_role.codedeploy.id}');
    const policy = String(hooks.policy);
    expect(policy).toContain('Action   = "lambda:InvokeFunction"\n      Resource = var.hook_function_arns');
    expect(policy.match(/Action/g)).toHaveLength(1);
    expect(service.variables.get('hook_function_arns')?.default).toEqual([]);
    expect(JSON.stringify(service.variables.get('hook_function_arns')?.validation)).toContain(':function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$');
    expect(stack('service').modules.get('service')?.hook_function_arns).toBe('${var.hook_function_arns}');
    expect(stack('service').variables.get('hook_function_arns')?.default).toEqual([]);
    expect(everyGrantedAction().filter((a) => a === 'lambda:InvokeFunction')).toEqual(['lambda:InvokeFunction']);
  });
});
