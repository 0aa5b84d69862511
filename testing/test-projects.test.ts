// The two Jest projects of jest.config.js: every test file belongs to exactly one, and the unit
// project stays fast because none of its files starts a process, opens a socket or the sandbox.
// Also the totals line that scripts/totals-reporter.js prints for either or both.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { jest } from '@jest/globals';

interface ProjectConfig {
  displayName: string;
  testMatch?: string[];
  testRegex?: string[];
  testPathIgnorePatterns: string[];
}

const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

async function importJs<T>(relativePath: string): Promise<T> {
  // A variable specifier keeps TypeScript from looking for the JS file's types.
  const url = pathToFileURL(join(root, relativePath)).href;
  return (await import(url)) as T;
}

const jestConfig = await importJs<{
  default: { projects: ProjectConfig[] };
  INTEGRATION_TESTS: string[];
}>('jest.config.js');

/** Every *.test.ts of the repository, relative to the root with '/' separators. */
function testFiles(dir = root): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...testFiles(full));
    else if (entry.name.endsWith('.test.ts')) found.push(relative(root, full).split('\\').join('/'));
  }
  return found.sort();
}

/** Whether Jest's project picks `file`: its testMatch (a `**\/*.test.ts` glob) or testRegex, less testPathIgnorePatterns. */
function inProject(project: ProjectConfig, file: string): boolean {
  const absolute = `${root}/${file}`;
  let matched: boolean;
  if (project.testRegex) {
    matched = project.testRegex.some((pattern) => new RegExp(pattern).test(absolute));
  } else {
    expect(project.testMatch).toEqual(['<rootDir>/**/*.test.ts']);
    matched = file.endsWith('.test.ts');
  }
  return matched && !project.testPathIgnorePatterns.some((pattern) => new RegExp(pattern).test(absolute));
}

const files = testFiles();
const projects = jestConfig.default.projects;
const unitProject = projects.find((p) => p.displayName === 'unit')!;
const unitFiles = files.filter((file) => inProject(unitProject, file));

describe('jest projects', () => {
  test('are unit and integration', () => {
    expect(projects.map((p) => p.displayName)).toEqual(['unit', 'integration']);
    expect(files.length).toBeGreaterThan(20);
  });

  test('every test file belongs to exactly one', () => {
    const wrong = files
      .map((file) => ({ file, in: projects.filter((p) => inProject(p, file)).map((p) => p.displayName) }))
      .filter((entry) => entry.in.length !== 1);
    expect(wrong).toEqual([]);
  });

  test('each integration pattern starts with ^ and still names at least one test file', () => {
    expect(jestConfig.INTEGRATION_TESTS.filter((pattern) => !pattern.startsWith('^'))).toEqual([]);
    const stale = jestConfig.INTEGRATION_TESTS.filter((pattern) => !files.some((f) => new RegExp(pattern).test(f)));
    expect(stale).toEqual([]);
  });

  test('the unit project holds the pure logic: a few known files on each side', () => {
    const unit = new Set(unitFiles);
    for (const file of [
      'lib/cancel.test.ts',
      'actions/deploy-bluegreen/src/taskdef.test.ts',
      'testing/test-projects.test.ts',
    ]) {
      expect([file, unit.has(file)]).toEqual([file, true]);
    }
    for (const file of [
      'actions/deploy-bluegreen/src/bundle.test.ts',
      'actions/build-image/src/dist.test.ts',
      'sandbox/sandbox.test.ts',
      'terraform/terraform.test.ts',
      'app/src/server.test.ts',
    ]) {
      expect([file, unit.has(file)]).toEqual([file, false]);
    }
  });
});

interface Sign {
  what: string;
  /** Also looked for in the test helpers a test imports (run-action is not: its repoRoot is a plain path). */
  inHelpers?: boolean;
  test: (source: string, imports: string[]) => boolean;
}

/** What makes a test slow or dependent on the machine, and how to see it in a source. */
const SIGNS: Sign[] = [
  {
    what: 'imports the sandbox',
    inHelpers: true,
    test: (_, imports) => imports.some((i) => /(^|\/)sandbox(\/|$)/.test(i) && i.startsWith('.')),
  },
  {
    what: 'starts a child process',
    inHelpers: true,
    test: (source, imports) =>
      imports.some((i) => /^(node:)?child_process$|^@actions\/exec$/.test(i)) || /process\.execPath/.test(source),
  },
  {
    what: 'runs a bundle as a process (testing/run-action)',
    test: (_, imports) => imports.some((i) => /(^|\/)run-action(\.js)?$/.test(i)),
  },
  {
    what: 'opens sockets',
    inHelpers: true,
    test: (source, imports) =>
      imports.some((i) => /^(node:)?(net|http|https|http2|tls|dgram)$/.test(i)) ||
      /\.listen\(/.test(source) ||
      /(?<![.\w])fetch\(/.test(source),
  },
];

/** The modules a source imports at run time (type-only imports are erased, so they do not count). */
function runtimeImports(source: string): string[] {
  const imports: string[] = [];
  const statement = /(?:^|[;\n])\s*(?:import|export)\s+(type\s+)?(?:[\w*${}\s,]*?\s+from\s+)?['"]([^'"]+)['"]/g;
  for (const match of source.matchAll(statement)) if (!match[1]) imports.push(match[2]!);
  for (const match of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) imports.push(match[1]!);
  return imports;
}

/**
 * The signs in `file`'s own source, and the sandbox, process and socket signs of the test helpers it
 * imports (`*.test-helpers.ts`, testing/): a helper the test calls may start them. Product modules
 * are not followed: a unit test may import a module that can start a process and call only its
 * pure parts or give it a fake.
 */
function signsOf(file: string): string[] {
  const source = readFileSync(join(root, file), 'utf8');
  const found = SIGNS.filter((sign) => sign.test(source, runtimeImports(source))).map((sign) => sign.what);
  for (const spec of runtimeImports(source).filter((i) => i.startsWith('.'))) {
    const target = resolve(dirname(join(root, file)), spec.replace(/\.js$/, '.ts'));
    if (!target.endsWith('.test-helpers.ts') && !target.startsWith(`${root}/testing/`)) continue;
    let helper: string;
    try {
      helper = readFileSync(target, 'utf8');
    } catch {
      continue;
    }
    for (const sign of SIGNS.filter((s) => s.inHelpers)) {
      if (sign.test(helper, runtimeImports(helper))) found.push(`${sign.what} (through ${relative(root, target)})`);
    }
  }
  return found;
}

describe('unit tests', () => {
  test('start no process, open no socket and never the sandbox', () => {
    // This file's own examples below are strings, not uses.
    const offenders = unitFiles
      .filter((file) => file !== 'testing/test-projects.test.ts')
      .map((file) => ({ file, signs: signsOf(file) }))
      .filter((entry) => entry.signs.length > 0)
      .map(
        ({ file, signs }) =>
          `${file} ${signs.join(', ')}: move it to the integration project (add it to INTEGRATION_TESTS in jest.config.js), or replace that part with a fake`,
      );
    expect(offenders).toEqual([]);
  });

  test('the guard sees each sign in a small example', () => {
    const examples: [string, string][] = [
      ["import { startSandbox } from '../../../sandbox/index.js';", 'imports the sandbox'],
      ["import { spawn } from 'node:child_process';", 'starts a child process'],
      ["import * as exec from '@actions/exec';", 'starts a child process'],
      ['const node = process.execPath;', 'starts a child process'],
      [
        "import { runAction } from '../../../testing/run-action.js';",
        'runs a bundle as a process (testing/run-action)',
      ],
      ["import {\n  createServer,\n  type Server,\n} from 'node:http';", 'opens sockets'],
      ['server.listen(0);', 'opens sockets'],
      ["await fetch('http://127.0.0.1:1/');", 'opens sockets'],
    ];
    for (const [source, sign] of examples) {
      const seen = SIGNS.filter((s) => s.test(source, runtimeImports(source))).map((s) => s.what);
      expect([source, seen]).toEqual([source, [sign]]);
    }
    // Types are erased, and a fake named like a real call is not one.
    for (const source of [
      "import type { IncomingHttpHeaders } from 'node:http';",
      "import type { RunningSandbox } from '../../sandbox/index.js';",
      'const response = await deps.fetch(url);',
      "import { parse } from 'yaml';",
    ]) {
      expect([source, SIGNS.filter((s) => s.test(source, runtimeImports(source))).map((s) => s.what)]).toEqual([
        source,
        [],
      ]);
    }
  });
});

interface Reporter {
  onRunComplete(contexts: unknown, results: unknown): void;
}
const { default: TotalsReporter } = await importJs<{ default: new () => Reporter }>('scripts/totals-reporter.js');

describe('the totals line', () => {
  function totals(results: Record<string, unknown>): string {
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    try {
      new TotalsReporter().onRunComplete(new Set(), {
        testResults: [],
        numPassedTests: 0,
        numFailedTests: 0,
        numRuntimeErrorTestSuites: 0,
        numTotalTestSuites: 0,
        numPassedTestSuites: 0,
        numFailedTestSuites: 0,
        numPendingTestSuites: 0,
        ...results,
      });
    } finally {
      spy.mockRestore();
    }
    return lines.at(-1)!.trim();
  }

  test('counts passed, failed and skipped tests', () => {
    const file = (statuses: string[]) => ({
      testResults: statuses.map((status, i) => ({ status, fullName: `t${i}` })),
    });
    expect(
      totals({
        testResults: [file(['passed', 'pending']), file(['failed', 'todo'])],
        numPassedTests: 1,
        numFailedTests: 1,
        numTotalTestSuites: 2,
        numPassedTestSuites: 1,
        numFailedTestSuites: 1,
      }),
    ).toBe('1 passed, 1 failed, 2 skipped');
  });

  test('a suite that never ran counts as failed', () => {
    expect(totals({ numPassedTests: 3, numTotalTestSuites: 3, numPassedTestSuites: 2 })).toBe(
      '3 passed, 1 failed, 0 skipped',
    );
  });
});
