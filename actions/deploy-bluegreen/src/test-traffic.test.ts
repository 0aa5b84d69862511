import { MemoryLogger } from '../../../lib/log.js';
import type { HttpGet } from '../../../lib/http-checks.js';
import { checkTestTraffic, type TestTrafficSpec } from './test-traffic.js';

const spec: TestTrafficSpec = {
  path: '/host',
  expectJson: new Map([['imageUri', 'repo/app:2']]),
  requests: 3,
  timeoutMs: 1000,
};

const answering =
  (imageUri: string): HttpGet =>
  async (url) => ({
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ imageUri, hostname: 'ip-10-0-0-1' }),
    url: url.toString(),
  });

describe('checkTestTraffic', () => {
  test('passes when every answer of the test listener meets the expectations', async () => {
    const result = await checkTestTraffic(
      'http://test.local',
      spec,
      new AbortController().signal,
      new MemoryLogger(),
      answering('repo/app:2'),
    );
    expect(result.passed).toBe(true);
    expect(result.message).toMatch(/^3\/3 requests to http:\/\/test.local\/host met the expectations/);
  });

  test('fails with what was expected and what came back', async () => {
    const logger = new MemoryLogger();
    const result = await checkTestTraffic(
      'http://test.local',
      { ...spec, timeoutMs: 100 },
      new AbortController().signal,
      logger,
      answering('repo/app:1'),
    );
    expect(result.passed).toBe(false);
    expect(result.message).toMatch(/imageUri: expected "repo\/app:2", got "repo\/app:1"/);
    expect(logger.lines[0]).toBe('[group] Test traffic checks: http://test.local/host');
  });
});
