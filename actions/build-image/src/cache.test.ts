import { Inputs } from '../../../lib/inputs.js';
import { ConfigurationError } from '../../../lib/errors.js';
import { buildArguments } from './build.js';
import { cacheArguments } from './cache.js';
import { parseConfig } from './config.js';
import type { Fingerprint } from './fingerprint.js';

const URI = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app';
const TAG = `fp-${'a'.repeat(32)}`;
const PREVIOUS = `fp-${'b'.repeat(32)}`;
const RUNNER = { ACTIONS_RUNTIME_TOKEN: 'token', ACTIONS_RESULTS_URL: 'https://results.example/' };

const parse = (inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}) =>
  parseConfig(new Inputs((name) => ({ repository: 'app', ...inputs })[name] ?? ''), '/ws', env);

describe('the cache input', () => {
  test('defaults to the registry cache and accepts gha on a runner and none', () => {
    expect(parse({}).cache).toBe('registry');
    expect(parse({ cache: 'gha' }, RUNNER).cache).toBe('gha');
    expect(parse({ cache: 'none' }).cache).toBe('none');
  });

  test('an unknown cache names the input, the value and the choices', () => {
    expect(() => parse({ cache: 's3' })).toThrow(ConfigurationError);
    expect(() => parse({ cache: 's3' })).toThrow(/cache.*s3.*registry, gha, none/s);
  });

  test('gha outside a runner (no cache service token) is refused with the fix', () => {
    expect(() => parse({ cache: 'gha' })).toThrow(/cache.*gha.*ACTIONS_RUNTIME_TOKEN/s);
  });
});

describe('cache arguments', () => {
  const target = { repository: 'app', repositoryUri: URI, fingerprintTag: TAG };

  test('registry: from the newest earlier build, to a cache tag of this build, in a form ECR stores', () => {
    expect(cacheArguments({ ...target, mode: 'registry', previousTag: PREVIOUS })).toEqual([
      '--cache-from',
      `type=registry,ref=${URI}:cache-${PREVIOUS}`,
      '--cache-to',
      `type=registry,ref=${URI}:cache-${TAG},mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true`,
    ]);
    // The first build has nothing to start from, and still leaves a cache for the next.
    expect(cacheArguments({ ...target, mode: 'registry' })).toEqual([
      '--cache-to',
      expect.stringContaining(`ref=${URI}:cache-${TAG},`),
    ]);
  });

  test('gha uses one scope per repository; none passes nothing', () => {
    expect(cacheArguments({ ...target, mode: 'gha' })).toEqual([
      '--cache-from',
      'type=gha,scope=build-image-app',
      '--cache-to',
      'type=gha,scope=build-image-app,mode=max,ignore-error=true',
    ]);
    expect(cacheArguments({ ...target, mode: 'none' })).toEqual([]);
  });

  test('the image is still tagged with the fingerprint only, whatever the cache', () => {
    const fingerprint = { tag: TAG } as Fingerprint;
    for (const cache of ['registry', 'gha', 'none'] as const) {
      const args = buildArguments({ ...parse({}, RUNNER), cache }, fingerprint, URI, '/tmp/m.json', PREVIOUS);
      const tags = args.filter((_, i) => args[i - 1] === '-t');
      expect(tags).toEqual([`${URI}:${TAG}`]);
    }
  });
});
