// The frame every action runs in, exercised through the real bundles as processes: a missing
// input and a malformed one each end in one `::error::` line naming the input, and exit 1.
import { runAction } from '../testing/run-action.js';

const firstRequired: Record<string, string> = {
  'build-image': 'repository',
  'deploy-bluegreen': 'service',
  'smoke-test': 'url',
  provision: 'working-directory',
};

describe('bundled actions reject bad input before doing anything', () => {
  test.each(Object.keys(firstRequired))('%s with no inputs names its first required input', async (action) => {
    const run = await runAction(action);
    expect(run.code).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toContain(`Input '${firstRequired[action]}' is required`);
    // The job summary says it too, first: the action's heading, then what failed and what to do.
    expect(run.summary).toMatch(
      new RegExp(
        `^### ${action}\\n\\n❌ input \`${firstRequired[action]}\` is required — set it in the workflow and re-run`,
      ),
    );
  });

  test('deploy-bluegreen: a negative timeout names the input and the accepted range', async () => {
    const run = await runAction('deploy-bluegreen', {
      inputs: { service: 'web', 'container-name': 'app', image: 'nginx:1', 'timeout-minutes': '-3' },
    });
    expect(run.code).toBe(1);
    expect(run.errors[0]).toBe(
      'Input \'timeout-minutes\' has the value "-3", which is not accepted: a number from 0.05 to 360 (decimals allowed)',
    );
  });

  test('smoke-test: a word where a number belongs names the input and the range', async () => {
    const run = await runAction('smoke-test', { inputs: { url: 'http://127.0.0.1:1', requests: 'many' } });
    expect(run.code).toBe(1);
    expect(run.errors[0]).toContain('Input \'requests\' has the value "many"');
    expect(run.errors[0]).toContain('from 1 to 10000');
  });

  test('build-image: a URL where a repository name belongs is refused', async () => {
    const run = await runAction('build-image', {
      inputs: { repository: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app' },
    });
    expect(run.code).toBe(1);
    expect(run.errors[0]).toContain("Input 'repository'");
    expect(run.errors[0]).toContain('not a URL');
  });

  test('provision: destroy without the right confirm is refused', async () => {
    const run = await runAction('provision', {
      inputs: { 'working-directory': 'lib', command: 'destroy', confirm: 'production' },
    });
    expect(run.code).toBe(1);
    expect(run.errors[0]).toContain("Input 'confirm'");
    expect(run.errors[0]).toContain("'lib'");
  });
});
