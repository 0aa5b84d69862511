/**
 * The sandbox's protocol, control API, ECR and task definitions, through real SDK v3 clients
 * against the real server on a free port.
 */
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  ImageNotFoundException,
  ImageTagAlreadyExistsException,
  ListImagesCommand,
  PutImageCommand,
  RepositoryNotEmptyException,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import {
  ClientException,
  ClusterNotFoundException,
  CreateClusterCommand,
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListClustersCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  ServiceNotFoundException,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { fixtureBuildRequest, startSandbox, type RunningSandbox } from './index.js';

let sandbox: RunningSandbox;
let ecr: ECRClient;
let ecs: ECSClient;

const clientConfig = () => ({
  endpoint: sandbox.endpoint,
  region: sandbox.region,
  credentials: { accessKeyId: 'AKIASANDBOX', secretAccessKey: 'secret' },
  maxAttempts: 1,
});

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 60 });
  ecr = new ECRClient(clientConfig());
  ecs = new ECSClient(clientConfig());
});

afterAll(async () => {
  ecr?.destroy();
  ecs?.destroy();
  await sandbox?.stop();
});

beforeEach(async () => {
  await sandbox.reset();
});

async function control(path: string, init?: { method?: string; body?: unknown }) {
  const response = await fetch(`${sandbox.endpoint}/_sandbox/${path}`, {
    method: init?.method ?? 'GET',
    ...(init?.body !== undefined
      ? { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }
      : {}),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

describe('protocol', () => {
  it('raises the named exception classes with AWS error shapes and request ids', async () => {
    const missingRepo = await ecr
      .send(new DescribeRepositoriesCommand({ repositoryNames: ['nope'] }))
      .catch((e: unknown) => e);
    expect(missingRepo).toBeInstanceOf(RepositoryNotFoundException);
    expect((missingRepo as RepositoryNotFoundException).message).toContain("'nope'");
    expect((missingRepo as RepositoryNotFoundException).$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect((missingRepo as RepositoryNotFoundException).$metadata.httpStatusCode).toBe(400);

    await expect(
      ecs.send(new DescribeServicesCommand({ cluster: 'nowhere', services: ['web'] })),
    ).rejects.toBeInstanceOf(ClusterNotFoundException);
    await ecs.send(new CreateClusterCommand({ clusterName: 'c1' }));
    await expect(
      ecs.send(new UpdateServiceCommand({ cluster: 'c1', service: 'web', desiredCount: 1 })),
    ).rejects.toBeInstanceOf(ServiceNotFoundException);
    // DescribeServices reports missing services in failures, not as an error.
    const described = await ecs.send(new DescribeServicesCommand({ cluster: 'c1', services: ['web'] }));
    expect(described.services).toEqual([]);
    expect(described.failures).toEqual([
      { arn: `arn:aws:ecs:${sandbox.region}:${sandbox.account}:service/c1/web`, reason: 'MISSING' },
    ]);
  });

  it('answers unknown operations with UnknownOperationException and never crashes', async () => {
    const response = await fetch(sandbox.endpoint, {
      method: 'POST',
      headers: {
        'x-amz-target': 'AmazonEC2ContainerServiceV20141113.LaunchRockets',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toMatch(/^UnknownOperationException/);
    expect(((await response.json()) as { __type: string }).__type).toBe('UnknownOperationException');

    const garbage = await fetch(sandbox.endpoint, {
      method: 'POST',
      headers: {
        'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListClusters',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: '{not json',
    });
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as { __type: string }).__type).toBe('SerializationException');
    // Still serving.
    expect((await ecs.send(new ListClustersCommand({}))).clusterArns).toEqual([]);
  });

  it('answers STS GetCallerIdentity over the query protocol', async () => {
    const sts = new STSClient(clientConfig());
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
    expect(identity.Account).toBe(sandbox.account);
    expect(identity.Arn).toBe(`arn:aws:iam::${sandbox.account}:user/sandbox`);
    expect(sandbox.calls().map((c) => `${c.service}.${c.operation}`)).toEqual(['sts.GetCallerIdentity']);
  });
});

describe('call log and faults', () => {
  it('logs every call with service, operation, time, error code and duration', async () => {
    await ecs.send(new ListClustersCommand({}));
    await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['missing'] })).catch(() => undefined);
    const { body } = await control('calls');
    const calls = body as {
      service: string;
      operation: string;
      time: string;
      errorCode?: string;
      durationMs: number;
    }[];
    expect(calls.map((c) => [c.service, c.operation, c.errorCode])).toEqual([
      ['ecs', 'ListClusters', undefined],
      ['ecr', 'DescribeRepositories', 'RepositoryNotFoundException'],
    ]);
    expect(Date.parse(calls[0]!.time)).toBeGreaterThan(Date.now() - 60_000);
    expect(calls[0]!.durationMs).toBeGreaterThanOrEqual(0);
    expect((await control('calls?since=1')).body).toHaveLength(1);
  });

  it('throttles a fraction of calls per operation; the SDK retries them', async () => {
    expect((await control('faults', { method: 'POST', body: { throttle: { ListClusters: 0.5 } } })).status).toBe(200);
    const retrying = new ECSClient({ ...clientConfig(), maxAttempts: 5, retryMode: 'standard' });
    for (let i = 0; i < 4; i++) await retrying.send(new ListClustersCommand({}));
    retrying.destroy();
    const listCalls = sandbox.calls().filter((c) => c.operation === 'ListClusters');
    // Every second call fails: ok, throttled + retry ok, throttled + retry ok, throttled + retry ok.
    expect(listCalls.map((c) => c.errorCode ?? 'ok')).toEqual([
      'ok',
      'ThrottlingException',
      'ok',
      'ThrottlingException',
      'ok',
      'ThrottlingException',
      'ok',
    ]);

    // Without retries the SDK raises ThrottlingException; other operations are not affected.
    sandbox.faults({ throttle: { '*': 1 } });
    const error = await ecs.send(new ListClustersCommand({})).catch((e: unknown) => e);
    expect((error as Error).name).toBe('ThrottlingException');
    const ecrError = (await ecr.send(new DescribeRepositoriesCommand({})).catch((e: unknown) => e)) as Error & {
      $metadata: { httpStatusCode: number };
    };
    expect([ecrError.name, ecrError.$metadata.httpStatusCode]).toEqual(['ThrottlingException', 429]);
    await control('faults', { method: 'POST', body: {} });
    expect((await ecs.send(new ListClustersCommand({}))).clusterArns).toEqual([]);
  });

  it('adds latency and rejects malformed fault bodies', async () => {
    sandbox.faults({ latencyMs: { ListClusters: 150 } });
    const started = Date.now();
    await ecs.send(new ListClustersCommand({}));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const bad = await control('faults', { method: 'POST', body: { throttle: { ListClusters: 2 } } });
    expect(bad.status).toBe(400);
    expect((await control('faults', { method: 'POST', body: { explode: true } })).status).toBe(400);
  });

  it('errors: a named operation answers a named AWS error with its HTTP status, others are untouched', async () => {
    const set = await control('faults', {
      method: 'POST',
      body: { errors: { ListClusters: 'AccessDeniedException', DescribeRepositories: 'ServerException' } },
    });
    expect(set.status).toBe(200);
    const denied = await ecs.send(new ListClustersCommand({})).catch((error: unknown) => error);
    expect(denied).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    // A fault in the model (ServerException) answers 500.
    const fault = await ecr.send(new DescribeRepositoriesCommand({})).catch((error: unknown) => error);
    expect(fault).toMatchObject({ name: 'ServerException', $metadata: { httpStatusCode: 500 } });
    expect(sandbox.calls().map((c) => c.errorCode)).toContain('AccessDeniedException');
    const unknown = await control('faults', { method: 'POST', body: { errors: { ListClusters: 'NoSuchThing' } } });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('errors.ListClusters must name an AWS error');
    await control('faults', { method: 'POST', body: {} });
    expect((await ecs.send(new ListClustersCommand({}))).clusterArns).toEqual([]);
  });

  it('refuses malformed stack bodies and unknown task definitions', async () => {
    const missingField = await control('stack', { method: 'POST', body: { cluster: 'c', service: 'web' } });
    expect(missingField.status).toBe(400);
    expect((missingField.body as { message: string }).message).toMatch(/taskDefinition/);
    const unknown = await control('stack', {
      method: 'POST',
      body: {
        cluster: 'c',
        service: 'web',
        taskDefinition: 'web:9',
        containerName: 'app',
        containerPort: 80,
        desiredCount: 1,
        controller: 'ECS',
      },
    });
    expect(unknown.status).toBe(400);
    expect((unknown.body as { __type: string }).__type).toBe('ClientException');
    const noGroup = await control('stack', {
      method: 'POST',
      body: {
        cluster: 'c',
        service: 'web',
        taskDefinition: 'web:1',
        containerName: 'app',
        containerPort: 80,
        desiredCount: 1,
        controller: 'CODE_DEPLOY',
      },
    });
    expect(noGroup.status).toBe(400);
    expect((await control('nothing-here')).status).toBe(404);
  });

  it('reset forgets resources and the call log', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'gone' }));
    expect((await control('reset', { method: 'POST' })).status).toBe(200);
    expect(sandbox.calls()).toEqual([]);
    expect((await ecs.send(new ListClustersCommand({}))).clusterArns).toEqual([]);
    const state = (await control('state')).body as { ecs: { clusters: unknown[] } };
    expect(state.ecs.clusters).toEqual([]);
  });
});

describe('regions', () => {
  it("answers in the region of each request's signature, and keeps each region's resources apart", async () => {
    const frankfurt = { ...clientConfig(), region: 'eu-central-1' };
    const ecrFra = new ECRClient(frankfurt);
    const ecsFra = new ECSClient(frankfurt);
    try {
      const created = await ecrFra.send(new CreateRepositoryCommand({ repositoryName: 'app' }));
      const registry = `${sandbox.account}.dkr.ecr.eu-central-1.amazonaws.com`;
      expect(created.repository).toMatchObject({
        repositoryUri: `${registry}/app`,
        repositoryArn: `arn:aws:ecr:eu-central-1:${sandbox.account}:repository/app`,
      });
      // Not seen from the sandbox's own region.
      await expect(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['app'] }))).rejects.toBeInstanceOf(
        RepositoryNotFoundException,
      );
      const token = await ecrFra.send(new GetAuthorizationTokenCommand({}));
      expect(token.authorizationData?.[0]?.proxyEndpoint).toBe(`https://${registry}`);
      // A push names the region by its registry host.
      const { digest } = await sandbox.build(fixtureBuildRequest([`${registry}/app:v1`]));
      const found = await ecrFra.send(
        new DescribeImagesCommand({ repositoryName: 'app', imageIds: [{ imageTag: 'v1' }] }),
      );
      expect(found.imageDetails?.[0]?.imageDigest).toBe(digest);

      const registered = await ecsFra.send(
        new RegisterTaskDefinitionCommand({
          family: 'web',
          containerDefinitions: [{ name: 'app', image: `${registry}/app@${digest}`, memory: 128 }],
        }),
      );
      expect(registered.taskDefinition?.taskDefinitionArn).toBe(
        `arn:aws:ecs:eu-central-1:${sandbox.account}:task-definition/web:1`,
      );
      const home = await ecs.send(new ListTaskDefinitionsCommand({}));
      expect(home.taskDefinitionArns).toEqual([]);
    } finally {
      ecrFra.destroy();
      ecsFra.destroy();
    }
  });
});

describe('ECR', () => {
  const repoName = 'team/app';

  async function buildInto(tags: string[], version = 'v1') {
    const { status, body } = await control('build', { method: 'POST', body: fixtureBuildRequest(tags, { version }) });
    return { status, body: body as { digest?: string; __type?: string; message?: string } };
  }

  it('builds into a repository, finds images by tag and digest, and enforces immutable tags', async () => {
    await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: repoName,
        imageTagMutability: 'IMMUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
      }),
    );
    const ref = (tag: string) => `${sandbox.registry}/${repoName}:${tag}`;
    const first = await buildInto([ref('one')]);
    expect(first.status).toBe(200);
    expect(first.body.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const byTag = await ecr.send(
      new DescribeImagesCommand({ repositoryName: repoName, imageIds: [{ imageTag: 'one' }] }),
    );
    expect(byTag.imageDetails?.[0]).toMatchObject({
      imageDigest: first.body.digest,
      imageTags: ['one'],
      repositoryName: repoName,
    });
    const byDigest = await ecr.send(
      new DescribeImagesCommand({ repositoryName: repoName, imageIds: [{ imageDigest: first.body.digest }] }),
    );
    expect(byDigest.imageDetails?.[0]?.imageTags).toEqual(['one']);
    await expect(
      ecr.send(new DescribeImagesCommand({ repositoryName: repoName, imageIds: [{ imageTag: 'two' }] })),
    ).rejects.toBeInstanceOf(ImageNotFoundException);

    // Same tag, different image: refused in an immutable repository (build route and PutImage alike).
    const clash = await buildInto([ref('one')], 'v2');
    expect(clash.status).toBe(400);
    expect(clash.body.__type).toBe('ImageTagAlreadyExistsException');
    const v2 = await buildInto([ref('two')], 'v2');
    const manifest = (
      await ecr.send(new BatchGetImageCommand({ repositoryName: repoName, imageIds: [{ imageTag: 'two' }] }))
    ).images?.[0]?.imageManifest;
    await expect(
      ecr.send(new PutImageCommand({ repositoryName: repoName, imageManifest: manifest, imageTag: 'one' })),
    ).rejects.toBeInstanceOf(ImageTagAlreadyExistsException);
    // A new tag on an existing image is fine.
    const put = await ecr.send(
      new PutImageCommand({ repositoryName: repoName, imageManifest: manifest, imageTag: 'release' }),
    );
    expect(put.image?.imageId?.imageDigest).toBe(v2.body.digest);

    const listed = await ecr.send(new ListImagesCommand({ repositoryName: repoName }));
    expect(listed.imageIds?.map((id) => id.imageTag).sort()).toEqual(['one', 'release', 'two']);
    const missing = await ecr.send(
      new BatchGetImageCommand({ repositoryName: repoName, imageIds: [{ imageTag: 'zzz' }] }),
    );
    expect(missing.failures?.[0]?.failureCode).toBe('ImageNotFound');

    // Deleting: the repository is not empty until forced.
    await expect(ecr.send(new DeleteRepositoryCommand({ repositoryName: repoName }))).rejects.toBeInstanceOf(
      RepositoryNotEmptyException,
    );
    const deleted = await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: repoName, imageIds: [{ imageTag: 'one' }] }),
    );
    expect(deleted.imageIds).toEqual([{ imageDigest: first.body.digest, imageTag: 'one' }]);
    await ecr.send(new DeleteRepositoryCommand({ repositoryName: repoName, force: true }));
    await expect(ecr.send(new DescribeImagesCommand({ repositoryName: repoName }))).rejects.toBeInstanceOf(
      RepositoryNotFoundException,
    );
  });

  it('moves tags in mutable repositories and refuses builds into missing repositories', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'mutable' }));
    const ref = `${sandbox.registry}/mutable:latest`;
    const one = await buildInto([ref], 'v1');
    const two = await buildInto([ref], 'v2');
    expect(two.status).toBe(200);
    expect(two.body.digest).not.toBe(one.body.digest);
    const images = await ecr.send(new DescribeImagesCommand({ repositoryName: 'mutable' }));
    const tagsByDigest = Object.fromEntries(images.imageDetails!.map((d) => [d.imageDigest, d.imageTags ?? []]));
    expect(tagsByDigest).toEqual({ [one.body.digest!]: [], [two.body.digest!]: ['latest'] });
    const same = await buildInto([ref], 'v2');
    expect(same.body.digest).toBe(two.body.digest);

    const nowhere = await buildInto([`${sandbox.registry}/nowhere:x`]);
    expect(nowhere.status).toBe(400);
    expect(nowhere.body.__type).toBe('RepositoryNotFoundException');
  });

  it('hands out authorization tokens in the docker login format', async () => {
    const token = await ecr.send(new GetAuthorizationTokenCommand({}));
    const data = token.authorizationData![0]!;
    const decoded = Buffer.from(data.authorizationToken!, 'base64').toString('utf8');
    expect(decoded).toMatch(/^AWS:.{20,}$/);
    expect(data.proxyEndpoint).toBe(`https://${sandbox.account}.dkr.ecr.${sandbox.region}.amazonaws.com`);
    expect(data.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 11 * 3600 * 1000);
  });
});

describe('task definitions', () => {
  const base = {
    family: 'web',
    networkMode: 'awsvpc' as const,
    requiresCompatibilities: ['FARGATE' as const],
    cpu: '256',
    memory: '512',
    containerDefinitions: [{ name: 'app', image: 'x/y:1', portMappings: [{ containerPort: 8080 }] }],
  };

  it('registers revisions N+1 with ARNs, read-only fields, normalised sizes and awsvpc host ports', async () => {
    const first = (await ecs.send(new RegisterTaskDefinitionCommand(base))).taskDefinition!;
    expect(first.taskDefinitionArn).toBe(`arn:aws:ecs:${sandbox.region}:${sandbox.account}:task-definition/web:1`);
    expect(first.revision).toBe(1);
    expect(first.status).toBe('ACTIVE');
    expect(first.registeredAt).toBeInstanceOf(Date);
    expect(first.compatibilities).toEqual(['EC2', 'FARGATE']);
    expect(first.requiresAttributes?.length).toBeGreaterThan(0);
    expect(first.containerDefinitions?.[0]?.portMappings).toEqual([
      { containerPort: 8080, hostPort: 8080, protocol: 'tcp' },
    ]);
    expect(first.containerDefinitions?.[0]?.essential).toBe(true);

    const second = (await ecs.send(new RegisterTaskDefinitionCommand({ ...base, cpu: '1 vCPU', memory: '2 GB' })))
      .taskDefinition!;
    expect(second.revision).toBe(2);
    expect([second.cpu, second.memory]).toEqual(['1024', '2048']);

    const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web' }));
    expect(latest.taskDefinition?.revision).toBe(2);
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'web:2' }));
    const inactive = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web:2' }));
    expect(inactive.taskDefinition?.status).toBe('INACTIVE');
    expect(inactive.taskDefinition?.deregisteredAt).toBeInstanceOf(Date);
    expect(
      (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web' }))).taskDefinition?.revision,
    ).toBe(1);
    const third = (await ecs.send(new RegisterTaskDefinitionCommand(base))).taskDefinition!;
    expect(third.revision).toBe(3);
    const active = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'web' }));
    expect(active.taskDefinitionArns?.map((a) => a.split(':').pop())).toEqual(['1', '3']);
  });

  it('refuses invalid definitions with ClientException', async () => {
    const attempts: Record<string, unknown>[] = [
      { ...base, family: 'bad family!' },
      { ...base, containerDefinitions: [] },
      { ...base, cpu: '256', memory: '4096' },
      { ...base, networkMode: 'bridge' },
      {
        ...base,
        containerDefinitions: [{ name: 'app', image: 'x', portMappings: [{ containerPort: 80, hostPort: 81 }] }],
      },
    ];
    for (const attempt of attempts) {
      await expect(ecs.send(new RegisterTaskDefinitionCommand(attempt as never))).rejects.toBeInstanceOf(
        ClientException,
      );
    }
    await expect(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'absent:1' }))).rejects.toBeInstanceOf(
      ClientException,
    );

    // Read-only fields sent raw (the SDK drops unknown members, the CLI and raw callers do not).
    const raw = await fetch(sandbox.endpoint, {
      method: 'POST',
      headers: {
        'x-amz-target': 'AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: JSON.stringify({ ...base, revision: 4, status: 'ACTIVE' }),
    });
    expect(raw.status).toBe(400);
    // Refused by the check against AWS's API model, before the handler.
    expect(await raw.json()).toEqual({
      __type: 'InvalidParameterException',
      message: 'request breaks the AWS model: revision: member not in the model; status: member not in the model',
    });
    expect(sandbox.modelViolations(true).map((v) => `${v.operation} ${v.direction}`)).toEqual([
      'RegisterTaskDefinition request',
    ]);
  });
});
