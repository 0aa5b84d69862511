import { ConfigurationError } from '../../../lib/errors.js';
import {
  containerPortOf,
  diffTaskDefinitions,
  normaliseCpu,
  normaliseMemory,
  normaliseTaskDefinition,
  renderTaskDefinition,
  sameTaskDefinition,
  type RenderOptions,
  type TaskDefinitionDoc,
  valuesToMask,
  withoutEmptyEnvironment,
} from './taskdef.js';

const template = (): TaskDefinitionDoc => ({
  family: 'app',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '512',
  containerDefinitions: [
    {
      name: 'app',
      image: 'repo/app:1',
      portMappings: [{ containerPort: 3000 }],
      environment: [{ name: 'BASE_PATH', value: '' }],
    },
    { name: 'sidecar', image: 'repo/sidecar:1', essential: false },
  ],
});

/** What DescribeTaskDefinition returns for `template()` once registered. */
const described = (): TaskDefinitionDoc => ({
  taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/app:3',
  family: 'app',
  revision: 3,
  status: 'ACTIVE',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  compatibilities: ['EC2', 'FARGATE'],
  requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.docker-remote-api.1.18' }],
  registeredAt: '2026-11-21T10:00:00Z',
  registeredBy: 'arn:aws:iam::123456789012:role/deployer',
  cpu: '256',
  memory: '512',
  volumes: [],
  placementConstraints: [],
  containerDefinitions: [
    {
      name: 'app',
      image: 'repo/app:1',
      cpu: 0,
      essential: true,
      portMappings: [{ containerPort: 3000, hostPort: 3000, protocol: 'tcp' }],
      // ECS keeps no environment entry with an empty value: the template's BASE_PATH is not here.
      environment: [],
      mountPoints: [],
      volumesFrom: [],
      systemControls: [],
    },
    { name: 'sidecar', image: 'repo/sidecar:1', cpu: 0, essential: false, mountPoints: [], volumesFrom: [] },
  ],
});

const options = (over: Partial<RenderOptions> = {}): RenderOptions => ({
  containerName: 'app',
  environment: new Map(),
  region: 'eu-west-1',
  source: 'task-definition',
  ...over,
});

const container = (def: TaskDefinitionDoc, name = 'app') =>
  (def.containerDefinitions as Record<string, unknown>[]).find((c) => c.name === name)!;

describe('renderTaskDefinition', () => {
  test('accepts the describe-task-definition wrapper and strips every read-only field', () => {
    const rendered = renderTaskDefinition({ taskDefinition: described() }, options({ image: 'repo/app:2' }));
    for (const field of [
      'taskDefinitionArn',
      'revision',
      'status',
      'requiresAttributes',
      'compatibilities',
      'registeredAt',
      'registeredBy',
    ]) {
      expect(rendered).not.toHaveProperty(field);
    }
    expect(container(rendered).image).toBe('repo/app:2');
  });

  test('numeric cpu and memory become the strings RegisterTaskDefinition takes', () => {
    const rendered = renderTaskDefinition({ ...template(), cpu: 256, memory: 512 }, options());
    expect(rendered.cpu).toBe('256');
    expect(rendered.memory).toBe('512');
  });

  test('does not modify the base it was given', () => {
    const base = template();
    renderTaskDefinition(base, options({ image: 'repo/app:2', environment: new Map([['A', '1']]) }));
    expect(base).toEqual(template());
  });

  test('an absent container is an error naming the input and listing the containers', () => {
    const render = () => renderTaskDefinition(template(), options({ containerName: 'web', image: 'x:1' }));
    expect(render).toThrow(ConfigurationError);
    expect(render).toThrow(/Input 'container-name' has the value "web".*containers are: 'app', 'sidecar'/);
  });

  test('environment is merged: existing names replaced in place, new names appended', () => {
    const rendered = renderTaskDefinition(
      template(),
      options({
        environment: new Map([
          ['BASE_PATH', '/api'],
          ['LOG_LEVEL', 'debug'],
        ]),
      }),
    );
    expect(container(rendered).environment).toEqual([
      { name: 'BASE_PATH', value: '/api' },
      { name: 'LOG_LEVEL', value: 'debug' },
    ]);
  });

  test('roles and awslogs options are set; an existing stream prefix is kept', () => {
    const rendered = renderTaskDefinition(
      template(),
      options({
        executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
        taskRoleArn: 'arn:aws:iam::123456789012:role/task',
        logGroup: '/ecs/app',
      }),
    );
    expect(rendered.executionRoleArn).toBe('arn:aws:iam::123456789012:role/exec');
    expect(rendered.taskRoleArn).toBe('arn:aws:iam::123456789012:role/task');
    expect(container(rendered).logConfiguration).toEqual({
      logDriver: 'awslogs',
      options: { 'awslogs-group': '/ecs/app', 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'app' },
    });

    const withPrefix = template();
    container(withPrefix).logConfiguration = {
      logDriver: 'awslogs',
      options: { 'awslogs-stream-prefix': 'web', mode: 'non-blocking' },
    };
    const again = renderTaskDefinition(withPrefix, options({ logGroup: '/ecs/other' }));
    expect(container(again).logConfiguration).toEqual({
      logDriver: 'awslogs',
      options: {
        'awslogs-group': '/ecs/other',
        'awslogs-region': 'eu-west-1',
        'awslogs-stream-prefix': 'web',
        mode: 'non-blocking',
      },
    });
  });

  test('a container port the container does not map is refused, listing the mapped ones', () => {
    expect(() => renderTaskDefinition(template(), options({ containerPort: 8080 }))).toThrow(
      /Input 'container-port' has the value "8080".*maps: 3000/,
    );
    expect(() => renderTaskDefinition(template(), options({ containerPort: 3000 }))).not.toThrow();
  });

  test('a container without an image and no image input is refused', () => {
    const base = template();
    delete container(base).image;
    expect(() => renderTaskDefinition(base, options())).toThrow(/Input 'image' is required/);
  });
});

describe('containerPortOf', () => {
  test('defaults to the first mapping; no mapping is an error naming container-port', () => {
    expect(containerPortOf(template(), 'app')).toBe(3000);
    expect(() => containerPortOf(template(), 'sidecar')).toThrow(/Input 'container-port' is required.*'sidecar'/);
  });
});

describe('normalisation', () => {
  test.each([
    ['1 vCPU', '1024'],
    ['0.25 vcpu', '256'],
    ['2 vCPU', '2048'],
    [512, '512'],
    ['256', '256'],
  ])('cpu %p -> %p', (input, expected) => expect(normaliseCpu(input)).toBe(expected));

  test.each([
    ['2 GB', '2048'],
    ['0.5 GB', '512'],
    ['1GiB', '1024'],
    ['512 MiB', '512'],
    [1024, '1024'],
    ['4096', '4096'],
  ])('memory %p -> %p', (input, expected) => expect(normaliseMemory(input)).toBe(expected));

  // Each row: a change to a copy of the template that must NOT count as a difference.
  const equivalent: [string, (d: TaskDefinitionDoc) => void][] = [
    ['read-only fields and AWS defaults (the described form)', (d) => Object.assign(d, described())],
    ['cpu as vCPU', (d) => (d.cpu = '0.25 vCPU')],
    ['memory in GB', (d) => (d.memory = '0.5 GB')],
    [
      'environment order',
      (d) =>
        (container(d).environment = [
          { name: 'Z', value: '1' },
          { name: 'A', value: '2' },
        ]),
    ],
    ['container order', (d) => (d.containerDefinitions as unknown[]).reverse()],
    [
      'hostPort filled under awsvpc and protocol tcp',
      (d) => (container(d).portMappings = [{ containerPort: 3000, hostPort: 3000, protocol: 'tcp' }]),
    ],
    ['essential true and cpu 0', (d) => Object.assign(container(d), { essential: true, cpu: 0 })],
    ['empty arrays and strings', (d) => Object.assign(d, { volumes: [], placementConstraints: [], taskRoleArn: '' })],
    [
      'an environment entry with an empty or missing value (ECS keeps none)',
      (d) => (container(d).environment = [{ name: 'BASE_PATH' }, { name: 'EMPTY', value: '' }]),
    ],
    [
      "tags whose key starts with aws: (AWS's own)",
      (d) => (d.tags = [{ key: 'aws:cloudformation:stack-name', value: 's' }]),
    ],
    // DescribeTaskDefinition answers it even when the template never set it.
    ['enableFaultInjection false', (d) => (d.enableFaultInjection = false)],
    [
      'secrets order',
      (d) =>
        (container(d).secrets = [
          { name: 'B', valueFrom: 'arn:b' },
          { name: 'A', valueFrom: 'arn:a' },
        ]),
    ],
    [
      'volumes and mount points order',
      (d) => {
        d.volumes = [{ name: 'b' }, { name: 'a' }];
        container(d).mountPoints = [
          { sourceVolume: 'b', containerPath: '/b', readOnly: false },
          { sourceVolume: 'a', containerPath: '/a' },
        ];
      },
    ],
  ];

  test.each(equivalent)('%s: same definition', (_label, change) => {
    const a = template();
    const b = template();
    if (_label === 'environment order') {
      container(a).environment = [
        { name: 'A', value: '2' },
        { name: 'Z', value: '1' },
      ];
    }
    if (_label === 'secrets order') {
      container(a).secrets = [
        { name: 'A', valueFrom: 'arn:a' },
        { name: 'B', valueFrom: 'arn:b' },
      ];
    }
    if (_label === 'volumes and mount points order') {
      a.volumes = [{ name: 'a' }, { name: 'b' }];
      container(a).mountPoints = [
        { sourceVolume: 'a', containerPath: '/a' },
        { sourceVolume: 'b', containerPath: '/b' },
      ];
    }
    change(b);
    expect(sameTaskDefinition(a, b)).toBe(true);
  });

  const different: [string, (d: TaskDefinitionDoc) => void][] = [
    ['image', (d) => (container(d).image = 'repo/app:2')],
    ['an environment value', (d) => (container(d).environment = [{ name: 'BASE_PATH', value: '/x' }])],
    ['cpu', (d) => (d.cpu = '512')],
    ['essential false', (d) => (container(d).essential = false)],
    ['a port', (d) => (container(d).portMappings = [{ containerPort: 8080 }])],
    ['a udp protocol', (d) => (container(d).portMappings = [{ containerPort: 3000, protocol: 'udp' }])],
    ['the family', (d) => (d.family = 'other')],
    ['a task role', (d) => (d.taskRoleArn = 'arn:aws:iam::123456789012:role/task')],
    ['enableFaultInjection true', (d) => (d.enableFaultInjection = true)],
    ['tags added', (d) => (d.tags = [{ key: 'team', value: 'web' }])],
    ['a health check', (d) => (container(d).healthCheck = { command: ['CMD', 'true'] })],
  ];

  test('tags count, in any order; a changed tag value is a change', () => {
    const a = template();
    a.tags = [
      { key: 'team', value: 'web' },
      { key: 'cost-centre', value: '42' },
    ];
    const b = template();
    b.tags = [
      { key: 'cost-centre', value: '42' },
      { key: 'team', value: 'web' },
    ];
    expect(sameTaskDefinition(a, b)).toBe(true);
    b.tags = [
      { key: 'cost-centre', value: '43' },
      { key: 'team', value: 'web' },
    ];
    expect(sameTaskDefinition(a, b)).toBe(false);
    expect(diffTaskDefinitions(a, b)).toEqual(['~ tags[0].value: "42" -> "43"']);
  });

  test('withoutEmptyEnvironment drops entries with an empty or missing value and names each once', () => {
    const def = template();
    container(def).environment = [{ name: 'BASE_PATH', value: '' }, { name: 'A', value: '1' }, { name: 'UNSET' }];
    container(def, 'sidecar').environment = [{ name: 'BASE_PATH', value: '' }];
    const { definition, dropped } = withoutEmptyEnvironment(def);
    expect(dropped).toEqual(['BASE_PATH', 'UNSET']);
    expect(container(definition).environment).toEqual([{ name: 'A', value: '1' }]);
    expect(container(definition, 'sidecar').environment).toEqual([]);
    // The input is untouched.
    expect(container(def).environment).toHaveLength(3);
  });

  test('a health check with only a command equals the one ECS describes with its defaults filled in', () => {
    const command = ['CMD-SHELL', 'curl -f http://localhost:3000/health || exit 1'];
    const a = template();
    container(a).healthCheck = { command };
    const b = template();
    container(b).healthCheck = { command, interval: 30, timeout: 5, retries: 3 };
    expect(sameTaskDefinition(a, b)).toBe(true);
    container(b).healthCheck = { command, interval: 30, timeout: 5, retries: 5 };
    expect(sameTaskDefinition(a, b)).toBe(false);
    container(b).healthCheck = { command, interval: 30, timeout: 5, retries: 3, startPeriod: 10 };
    expect(sameTaskDefinition(a, b)).toBe(false);
  });

  test.each(different)('%s: a different definition', (_label, change) => {
    const b = template();
    change(b);
    expect(sameTaskDefinition(template(), b)).toBe(false);
  });

  test('the normalised form sorts keys, so JSON text can be compared', () => {
    expect(Object.keys(normaliseTaskDefinition(template()))).toEqual([
      'containerDefinitions',
      'cpu',
      'family',
      'memory',
      'networkMode',
      'requiresCompatibilities',
    ]);
  });
});

describe('diffTaskDefinitions', () => {
  test('names each changed leaf by path, containers and variables by name, and ignores AWS fill-ins', () => {
    const desired = renderTaskDefinition(
      template(),
      options({ image: 'repo/app:2', environment: new Map([['LOG_LEVEL', 'debug']]) }),
    );
    desired.cpu = '1 vCPU';
    expect(diffTaskDefinitions(described(), desired)).toEqual([
      '+ containerDefinitions[app].environment[LOG_LEVEL].value: (set)',
      '~ containerDefinitions[app].image: "repo/app:1" -> "repo/app:2"',
      '~ cpu: "256" -> "1024"',
    ]);
  });

  test('environment values never show: (set), (changed), (removed); the image does', () => {
    const before = template();
    container(before).environment = [
      { name: 'DB_PASSWORD', value: 'old-secret' },
      { name: 'GONE', value: 'was-here' },
    ];
    const after = template();
    container(after).image = 'repo/app:2';
    container(after).environment = [
      { name: 'DB_PASSWORD', value: 'new-secret' },
      { name: 'API_TOKEN', value: 'tok-123' },
    ];
    const lines = diffTaskDefinitions(before, after);
    expect(lines).toEqual([
      '+ containerDefinitions[app].environment[API_TOKEN].value: (set)',
      '~ containerDefinitions[app].environment[DB_PASSWORD].value: (changed)',
      '- containerDefinitions[app].environment[GONE].value: (removed)',
      '~ containerDefinitions[app].image: "repo/app:1" -> "repo/app:2"',
    ]);
    expect(lines.join('\n')).not.toMatch(/secret|tok-123|was-here/);
  });

  test('values of secret-looking environment names are masked, others are not', () => {
    const environment = new Map([
      ['DB_PASSWORD', 'p4ss'],
      ['STRIPE_API_KEY', 'sk_live_1'],
      ['AUTH_TOKEN', 'abc'],
      ['aws_secret', 'xyz'],
      ['SERVICE_CREDENTIALS', 'cred'],
      ['EMPTY_TOKEN', ''],
      ['LOG_LEVEL', 'debug'],
      ['PORT', '3000'],
    ]);
    expect(valuesToMask(environment)).toEqual(['p4ss', 'sk_live_1', 'abc', 'xyz', 'cred']);
  });

  test('no running definition: every leaf is an addition; equal definitions: no lines', () => {
    expect(diffTaskDefinitions(undefined, template())).toContain('+ family: "app"');
    expect(diffTaskDefinitions(described(), template())).toEqual([]);
  });
});
