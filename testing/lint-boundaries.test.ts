// The import boundaries of eslint.config.js, each shown firing on a small source placed at a
// virtual path (and staying quiet on the imports that are allowed), and every source file of the
// product and the app covered by a boundary rule.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';

const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
// A variable specifier keeps TypeScript from looking for the JS file's types.
const configUrl = pathToFileURL(join(root, 'eslint.config.js')).href;
const { default: config, BOUNDARY_MESSAGES: MESSAGES } = (await import(configUrl)) as {
  default: Linter.Config[];
  BOUNDARY_MESSAGES: Record<
    'tooling' | 'otherAction' | 'actionOnlyLib' | 'libNoAction' | 'libOnlyLib' | 'app' | 'dynamic',
    string
  >;
};
const eslint = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: config });

/** The boundary messages ESLint reports for `code` at `filePath` (relative to the root). */
async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return (
    result!.messages
      .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax')
      // ESLint puts "'<import>' import is restricted from being used by a pattern." before ours.
      .map((m) => m.message.replace(/^'[^']*' import is restricted from being used by a pattern\. /, ''))
  );
}

const importOf = (spec: string) => `import { x } from '${spec}';\nexport const y = x;\n`;

/** [file, import, the message expected, or undefined when the import is allowed]. */
type Case = [string, string, string | undefined];

const cases: Record<string, Case[]> = {
  'the product never imports sandbox/, testing/, bench/ or scripts/': [
    ['actions/deploy-bluegreen/src/deploy.ts', '../../../sandbox/index.js', MESSAGES.tooling],
    ['actions/smoke-test/src/main.ts', '../../../testing/run-action.js', MESSAGES.tooling],
    ['actions/build-image/src/fingerprint.ts', '../../../bench/measure.js', MESSAGES.tooling],
    ['actions/deploy-bluegreen/src/codedeploy/watch.ts', '../../../../scripts/demo/run.js', MESSAGES.tooling],
    ['lib/aws.ts', '../sandbox/contracts.js', MESSAGES.tooling],
    ['lib/http/client.ts', '../../testing/run-action.js', MESSAGES.tooling],
    // Tests may.
    ['actions/deploy-bluegreen/src/bundle.test.ts', '../../../sandbox/index.js', undefined],
    ['lib/action.test.ts', '../testing/run-action.js', undefined],
    ['actions/deploy-bluegreen/src/fakes.test-helpers.ts', '../../../testing/run-action.js', undefined],
  ],
  'no action imports another': [
    ['actions/deploy-bluegreen/src/deploy.ts', '../../smoke-test/src/config.js', MESSAGES.otherAction],
    ['actions/deploy-bluegreen/src/codedeploy/watch.ts', '../../../build-image/src/ecr.js', MESSAGES.otherAction],
    ['actions/provision/src/plan.ts', '../../../actions/deploy-bluegreen/src/taskdef.js', MESSAGES.otherAction],
    ['actions/smoke-test/src/smoke-test.test.ts', '../../deploy-bluegreen/src/test-traffic.js', MESSAGES.otherAction],
  ],
  'each action uses only its own src/ and lib/': [
    ['actions/deploy-bluegreen/src/deploy.ts', '../../../app/src/routes.js', MESSAGES.actionOnlyLib],
    ['actions/deploy-bluegreen/src/deploy.ts', '../dist/index.js', MESSAGES.actionOnlyLib],
    ['actions/provision/src/plan.ts', '../../../terraform/modules/x.js', MESSAGES.actionOnlyLib],
    ['actions/deploy-bluegreen/src/deploy.ts', './taskdef.js', undefined],
    ['actions/deploy-bluegreen/src/deploy.ts', '../../../lib/errors.js', undefined],
    ['actions/deploy-bluegreen/src/codedeploy/watch.ts', '../taskdef.js', undefined],
    ['actions/deploy-bluegreen/src/codedeploy/watch.ts', '../../../../lib/cancel.js', undefined],
    ['actions/deploy-bluegreen/src/deploy.ts', '@aws-sdk/client-ecs', undefined],
  ],
  'lib/ imports no action, and only lib/': [
    ['lib/aws.ts', '../actions/deploy-bluegreen/src/config.js', MESSAGES.libNoAction],
    ['lib/http/checks.ts', '../../actions/smoke-test/src/report.js', MESSAGES.libNoAction],
    ['lib/inputs.test.ts', '../actions/provision/src/config.js', MESSAGES.libNoAction],
    ['lib/aws.ts', '../app/src/config.js', MESSAGES.libOnlyLib],
    ['lib/http/checks.ts', '../cancel.js', undefined],
    ['lib/http/checks.ts', './stats.js', undefined],
    ['lib/aws.ts', 'node:http', undefined],
  ],
  'app/ imports nothing of the suite': [
    ['app/src/server.js', '../../lib/log.js', MESSAGES.app],
    ['app/src/routes.js', '@actions/core', MESSAGES.app],
    ['app/src/routes.js', 'yaml', MESSAGES.app],
    ['app/src/server.js', './routes.js', undefined],
    ['app/src/server.js', 'node:http', undefined],
  ],
};

describe.each(Object.entries(cases))('%s', (_rule, list) => {
  test.each(list)('%s importing %s', async (file, spec, expected) => {
    expect(await boundaryErrors(file, importOf(spec))).toEqual(expected ? [expected] : []);
  });
});

test('re-exports, type-only imports and dynamic imports are held to the boundaries too', async () => {
  expect(await boundaryErrors('lib/aws.ts', "export * from '../sandbox/index.js';\n")).toEqual([MESSAGES.tooling]);
  expect(
    await boundaryErrors(
      'actions/smoke-test/src/main.ts',
      "import type { X } from '../../deploy-bluegreen/src/deps.js';\nexport type Y = X;\n",
    ),
  ).toEqual([MESSAGES.otherAction]);
  expect(
    await boundaryErrors(
      'actions/smoke-test/src/main.ts',
      "export const load = () => import('../../../lib/log.js');\n",
    ),
  ).toEqual([MESSAGES.dynamic]);
});

test('an action may defer its run to a sibling *.lazy.js module, and to nothing else', async () => {
  const load = (spec: string) => `export const load = () => import(${spec});\n`;
  expect(await boundaryErrors('actions/build-image/src/main.ts', load("'./build.lazy.js'"))).toEqual([]);
  expect(await boundaryErrors('actions/deploy-bluegreen/src/main.ts', load("'./deploy.lazy.js'"))).toEqual([]);
  for (const spec of [
    "'./build.js'",
    "'@aws-sdk/client-ecr'",
    "'../../deploy-bluegreen/src/deploy.lazy.js'",
    "'./nested/run.lazy.js'",
    "'./build.lazy.js' + suffix",
    'name',
  ]) {
    expect(await boundaryErrors('actions/build-image/src/main.ts', load(spec))).toEqual([MESSAGES.dynamic]);
  }
  // lib/ is loaded by every action: no exception there.
  expect(await boundaryErrors('lib/action.ts', load("'./aws.lazy.js'"))).toEqual([MESSAGES.dynamic]);
  // The lazy module's own imports keep the boundaries.
  expect(await boundaryErrors('actions/build-image/src/build.lazy.ts', importOf('../../../sandbox/index.js'))).toEqual([
    MESSAGES.tooling,
  ]);
});

/** Every non-test source file of actions/*\/src, lib/ and app/. */
function sources(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!['node_modules', 'dist', 'fixtures'].includes(entry.name)) found.push(...sources(path));
    } else if (/\.(ts|js|mjs|cjs)$/.test(entry.name) && !/\.test(-helpers)?\.ts$|\.d\.ts$/.test(entry.name)) {
      found.push(relative(root, join(root, path)));
    }
  }
  return found;
}

test('every source file of the actions, lib/ and app/ has a boundary rule', async () => {
  const files = [
    ...readdirSync(join(root, 'actions'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .flatMap((e) => sources(`actions/${e.name}/src`)),
    ...sources('lib'),
    ...sources('app'),
  ];
  expect(files.length).toBeGreaterThan(30);
  const uncovered: string[] = [];
  for (const file of files) {
    const rules = ((await eslint.calculateConfigForFile(join(root, file))) as Linter.Config).rules ?? {};
    const rule = rules['no-restricted-imports'];
    const level = Array.isArray(rule) ? rule[0] : rule;
    if (level !== 2 && level !== 'error') uncovered.push(file);
  }
  expect(uncovered).toEqual([]);
});
