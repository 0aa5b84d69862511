import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../../../lib/errors.js';
import { Inputs } from '../../../lib/inputs.js';
import { parseConfig } from './config.js';

const workspace = mkdtempSync(join(tmpdir(), 'deploy-config-'));
writeFileSync(join(workspace, 'bad.json'), '{ "family": ');
writeFileSync(join(workspace, 'shape.json'), '{ "family": "x" }');
writeFileSync(
  join(workspace, 'described.json'),
  JSON.stringify({ taskDefinition: { family: 'app', containerDefinitions: [{ name: 'app', image: 'repo/app:1' }] } }),
);

const base = { service: 'web', 'container-name': 'app', image: 'repo/app:2' };
const parse = (inputs: Record<string, string>) => parseConfig(new Inputs((name) => inputs[name] ?? ''), workspace);

describe('parseConfig', () => {
  test('defaults', () => {
    expect(parse(base)).toMatchObject({
      cluster: 'default',
      service: 'web',
      mode: 'deploy',
      timeoutMs: 60 * 60_000,
      onActiveDeployment: 'wait',
      rollbackOnCancel: true,
      pollIntervalMs: 5000,
      testPath: '/host',
      testRequests: 10,
      testTimeoutMs: 120_000,
    });
  });

  test('decimal timeout and poll interval', () => {
    expect(parse({ ...base, 'timeout-minutes': '0.5', 'poll-interval-seconds': '0.2' })).toMatchObject({
      timeoutMs: 30_000,
      pollIntervalMs: 200,
    });
  });

  test('the describe-task-definition wrapper is unwrapped, and its image satisfies the image requirement', () => {
    const config = parse({ service: 'web', 'container-name': 'app', 'task-definition': 'described.json' });
    expect(config.template?.definition.family).toBe('app');
    expect(config.image).toBeUndefined();
  });

  test.each([
    ['service', { 'container-name': 'app', image: 'x:1' }],
    ['container-name', { ...base, 'container-name': '' }],
    ['cluster', { ...base, cluster: 'has space' }],
    ['image', { ...base, image: 'Not An Image' }],
    ['image', { service: 'web', 'container-name': 'app' }],
    ['task-definition', { ...base, 'task-definition': 'bad.json' }],
    ['task-definition', { ...base, 'task-definition': 'shape.json' }],
    ['task-definition', { ...base, 'task-definition': 'missing.json' }],
    ['task-definition', { 'container-name': 'app', 'register-only': 'true', image: 'x:1' }],
    ['environment', { ...base, environment: 'NO_EQUALS' }],
    ['environment', { ...base, environment: '1BAD=x' }],
    ['timeout-minutes', { ...base, 'timeout-minutes': '-5' }],
    ['timeout-minutes', { ...base, 'timeout-minutes': '361' }],
    ['poll-interval-seconds', { ...base, 'poll-interval-seconds': '0' }],
    ['on-active-deployment', { ...base, 'on-active-deployment': 'maybe' }],
    ['register-only', { ...base, 'register-only': 'yes' }],
    ['rollback-on-cancel', { ...base, 'rollback-on-cancel': '1' }],
    ['execution-role-arn', { ...base, 'execution-role-arn': 'role' }],
    ['task-role-arn', { ...base, 'task-role-arn': 'arn:aws:iam::1:role/x' }],
    ['test-url', { ...base, 'test-url': 'ftp://x' }],
    ['test-path', { ...base, 'test-path': 'host' }],
    ['container-port', { ...base, 'container-port': '70000' }],
    ['log-group', { ...base, 'log-group': 'bad group!' }],
    ['deployment-config', { ...base, 'deployment-config': 'not a config' }],
  ] as [string, Record<string, string>][])('%s: %j is refused naming the input', (input, inputs) => {
    let error: unknown;
    try {
      parse(inputs);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).input).toBe(input);
    expect((error as Error).message).toContain(`Input '${input}'`);
  });
});
