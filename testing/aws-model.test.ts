/**
 * The model validator, rule by rule: each rule with a value that keeps it and one that breaks it,
 * on a small model written here, then on AWS's real ECS, CodeDeploy, ECR and STS models.
 */
import { describe, expect, it } from '@jest/globals';
import {
  compilePattern,
  describeViolation,
  loadModel,
  validateOperation,
  validateShape,
  type AwsModel,
  type WireForm,
} from './aws-model.js';

const model: AwsModel = {
  service: 'ecs',
  source: { botocore: 'test', file: 'test' },
  metadata: { protocol: 'json', serviceId: 'Test' },
  operations: { Put: { input: { shape: 'Request' } }, Ping: {} },
  shapes: {
    Request: {
      type: 'structure',
      required: ['name'],
      members: {
        name: { shape: 'Name' },
        count: { shape: 'Count' },
        ratio: { shape: 'Ratio' },
        size: { shape: 'Long' },
        enabled: { shape: 'Boolean' },
        at: { shape: 'Timestamp' },
        data: { shape: 'Blob' },
        status: { shape: 'Status' },
        items: { shape: 'Items' },
        labels: { shape: 'Labels' },
        detail: { shape: 'Detail' },
        anything: { shape: 'Document' },
      },
    },
    Name: { type: 'string', min: 1, max: 5, pattern: '^[a-z]+$' },
    Count: { type: 'integer', min: 1, max: 10 },
    Ratio: { type: 'double', min: 0, max: 1 },
    Long: { type: 'long' },
    Boolean: { type: 'boolean' },
    Timestamp: { type: 'timestamp' },
    Blob: { type: 'blob' },
    Status: { type: 'string', enum: ['ACTIVE', 'INACTIVE'] },
    Items: { type: 'list', member: { shape: 'Item' }, min: 1, max: 2 },
    Item: { type: 'structure', required: ['key'], members: { key: { shape: 'String' }, value: { shape: 'String' } } },
    Labels: { type: 'map', key: { shape: 'LabelKey' }, value: { shape: 'String' }, max: 2 },
    LabelKey: { type: 'string', max: 3 },
    Detail: { type: 'structure', members: { note: { shape: 'String' } } },
    Document: { type: 'structure', members: {}, document: true },
    String: { type: 'string' },
  },
};

const check = (value: Record<string, unknown>, form: WireForm = 'json') =>
  validateShape(model, 'Request', { name: 'ok', ...value }, form).map(describeViolation);

describe('each rule, kept and broken', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['required member present', {}, []],
    ['required member missing', { name: undefined }, ['name: required member is missing']],
    ['required member null', { name: null }, ['name: required member is missing']],
    ['known member', { detail: { note: 'x' } }, []],
    ['unknown member', { colour: 'red' }, ['colour: member not in the model']],
    ['unknown nested member', { detail: { colour: 'red' } }, ['detail.colour: member not in the model']],
    ['structure', { detail: {} }, []],
    ['not a structure', { detail: 'x' }, ['detail: expected a structure, got the string "x"']],
    ['string', { name: 'abc' }, []],
    ['not a string', { name: 7 }, ['name: expected a string, got the number 7']],
    ['string length within', { name: 'abcde' }, []],
    [
      'string too short',
      { name: '' },
      ['name: 0 characters, the minimum is 1', 'name: "" does not match the pattern ^[a-z]+$'],
    ],
    ['string too long', { name: 'abcdef' }, ['name: 6 characters, the maximum is 5']],
    ['pattern kept', { name: 'abc' }, []],
    ['pattern broken', { name: 'AB' }, ['name: "AB" does not match the pattern ^[a-z]+$']],
    ['enum value', { status: 'ACTIVE' }, []],
    ['not an enum value', { status: 'active' }, ['status: "active" is not one of ACTIVE, INACTIVE']],
    ['integer in range', { count: 10 }, []],
    ['integer below range', { count: 0 }, ['count: 0 is below the minimum 1']],
    ['integer above range', { count: 11 }, ['count: 11 is above the maximum 10']],
    ['not an integer', { count: 1.5 }, ['count: expected an integer, got the number 1.5']],
    ['integer as text', { count: '3' }, ['count: expected an integer, got the string "3"']],
    ['long', { size: 2 ** 40 }, []],
    ['double in range', { ratio: 0.5 }, []],
    ['double out of range', { ratio: 1.5 }, ['ratio: 1.5 is above the maximum 1']],
    ['boolean', { enabled: false }, []],
    ['not a boolean', { enabled: 'true' }, ['enabled: expected a boolean, got the string "true"']],
    ['timestamp as epoch seconds', { at: 1764633600.5 }, []],
    [
      'timestamp as text',
      { at: '2025-12-02T00:00:00Z' },
      ['at: expected a timestamp as epoch seconds (a number), got the string "2025-12-02T00:00:00Z"'],
    ],
    ['blob as base64', { data: 'aGk=' }, []],
    ['not a blob', { data: 5 }, ['data: expected a blob (base64 text), got the number 5']],
    ['list within length', { items: [{ key: 'a' }, { key: 'b', value: 'c' }] }, []],
    ['list too short', { items: [] }, ['items: 0 items, the minimum is 1']],
    ['list too long', { items: [{ key: 'a' }, { key: 'b' }, { key: 'c' }] }, ['items: 3 items, the maximum is 2']],
    ['list item broken', { items: [{ key: 'a' }, { value: 'v' }] }, ['items[1].key: required member is missing']],
    ['not a list', { items: { key: 'a' } }, ['items: expected a list, got a structure']],
    ['map', { labels: { a: 'x', 'b-c': 'y' } }, []],
    ['map too big', { labels: { a: 'x', b: 'y', c: 'z' } }, ['labels: 3 entries, the maximum is 2']],
    ['map key too long', { labels: { abcd: 'x' } }, ['labels.abcd: map key: 4 characters, the maximum is 3']],
    ['map value wrong type', { labels: { 'a-b': 1 } }, ['labels["a-b"]: expected a string, got the number 1']],
    ['document takes anything', { anything: { a: [1, { b: null }] } }, []],
  ])('%s', (_name, value, expected) => {
    expect(check(value)).toEqual(expected);
  });

  it('reads SDK values (Date, Uint8Array) as the SDK serialises them, and only in that form', () => {
    expect(check({ at: new Date(), data: new Uint8Array([1]) }, 'sdk')).toEqual([]);
    expect(check({ at: new Date() })).toEqual(['at: expected a timestamp as epoch seconds (a number), got a Date']);
  });

  it('reads query-protocol text as the scalar the model names', () => {
    expect(check({ count: '3', enabled: 'true', at: '2025-12-02T00:00:00Z' }, 'query')).toEqual([]);
    expect(check({ count: 'three', enabled: 'yes' }, 'query')).toEqual([
      'count: expected an integer, got the string "three"',
      'enabled: expected a boolean, got the string "yes"',
    ]);
  });

  it('finds every violation, with its path, in one pass', () => {
    expect(check({ name: 'TOOLONG', items: [{ value: 1 }] })).toEqual([
      'name: 7 characters, the maximum is 5',
      'name: "TOOLONG" does not match the pattern ^[a-z]+$',
      'items[0].key: required member is missing',
      'items[0].value: expected a string, got the number 1',
    ]);
  });

  it('holds an operation without input to an empty structure, and leaves unknown operations to the caller', () => {
    expect(validateOperation(model, 'Ping', 'input', {})).toEqual([]);
    expect(validateOperation(model, 'Ping', 'input', { x: 1 }).map(describeViolation)).toEqual([
      'x: member not in the model',
    ]);
    expect(validateOperation(model, 'Nope', 'input', { x: 1 })).toEqual([]);
  });
});

describe('Java patterns', () => {
  it.each<[string, string, boolean | null]>([
    // Unicode classes, as STS and ECS tags use them.
    ['[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*', 'Team: web-1', true],
    ['^[\\p{L}]+$', 'a1', false],
    // An escape Java accepts and a Unicode JS regex does not: compiled without the u flag.
    ['^[\\w+=,.@\\:-]*$', 'a:b', true],
    ['^[\\w+=,.@\\:-]*$', 'a b', false],
    // Not anchored unless the pattern says so.
    ['[0-9]{12}', 'x123456789012x', true],
    // Java only: skipped, never guessed.
    ['\\A[a-z]+\\z', 'abc', null],
    ['[a-z]++', 'abc', null],
    ['(?i)abc', 'ABC', null],
    ['[a-z&&[^e]]', 'e', null],
  ])('%s on %j', (pattern, text, expected) => {
    const regex = compilePattern(pattern);
    expect(regex === null ? null : regex.test(text)).toBe(expected);
  });
});

describe("AWS's models", () => {
  it('carry the botocore version and no documentation', () => {
    for (const service of ['ecs', 'codedeploy', 'ecr', 'sts', 'elbv2'] as const) {
      const loaded = loadModel(service);
      expect(loaded.source.botocore).toMatch(/^\d+\.\d+\.\d+$/);
      expect(JSON.stringify(loaded)).not.toContain('"documentation"');
    }
  });

  it('name the path of a broken container definition', () => {
    const ecs = loadModel('ecs');
    const request = {
      family: 'web',
      containerDefinitions: [
        {
          name: 'app',
          image: 'app:1',
          environment: [
            { name: 'A', value: 'x' },
            { name: 'B', value: 1 },
          ],
        },
      ],
    };
    expect(validateOperation(ecs, 'RegisterTaskDefinition', 'input', request).map(describeViolation)).toEqual([
      'containerDefinitions[0].environment[1].value: expected a string, got the number 1',
    ]);
  });

  it("hold CodeDeploy's names to 100 characters and its enums to the model", () => {
    const codedeploy = loadModel('codedeploy');
    const ok = { applicationName: 'a'.repeat(100), fileExistsBehavior: 'OVERWRITE' };
    expect(validateOperation(codedeploy, 'CreateDeployment', 'input', ok)).toEqual([]);
    const broken = { applicationName: 'a'.repeat(101), fileExistsBehavior: 'REPLACE' };
    expect(validateOperation(codedeploy, 'CreateDeployment', 'input', broken).map(describeViolation)).toEqual([
      'applicationName: 101 characters, the maximum is 100',
      'fileExistsBehavior: "REPLACE" is not one of DISALLOW, OVERWRITE, RETAIN',
    ]);
  });

  it("hold ECR registry ids to the model's pattern", () => {
    const ecr = loadModel('ecr');
    expect(validateOperation(ecr, 'GetAuthorizationToken', 'input', { registryIds: ['123456789012'] })).toEqual([]);
    expect(
      validateOperation(ecr, 'GetAuthorizationToken', 'input', { registryIds: ['1234'] }).map((v) => v.kind),
    ).toEqual(['pattern']);
  });

  it('compile every pattern of the five models or count it as skipped', () => {
    const patterns = new Set<string>();
    for (const service of ['ecs', 'codedeploy', 'ecr', 'sts', 'elbv2'] as const) {
      for (const shape of Object.values(loadModel(service).shapes)) if (shape.pattern) patterns.add(shape.pattern);
    }
    const unexpressed = [...patterns].filter((p) => compilePattern(p) === null);
    expect(unexpressed).toEqual([]);
  });
});
