/**
 * Mutation test of the workflow rules: small edits of the REAL workflow files (in memory), each
 * a plausible mistake or attack. Every one must make the checks fail with a finding that names
 * the file, the job and the rule; the unmutated workflows must pass. An edit that no longer
 * applies (the text it replaces is gone) fails the test, so the list cannot rot silently.
 */
import { checkWorkflows, formatFinding, type Finding, type RuleName } from './workflow-rules.js';
import { loadWorkflows, parseWorkflow, type Workflow } from './workflows.js';

const original = loadWorkflows();

interface Mutation {
  what: string;
  file: string;
  /** The text replaced, exactly as it is in the file (a RegExp for a multi-line block). */
  from: string | RegExp;
  to: string;
  /** The job and rule the checks must name. */
  job: string;
  rule: RuleName;
}

const mutations: Mutation[] = [
  {
    what: 'drop the fork guard of the pull-request plan',
    file: 'plan.yml',
    from: '    if: github.event.pull_request.head.repo.full_name == github.repository\n',
    to: '',
    job: 'plan',
    rule: 'missing-fork-guard',
  },
  {
    what: 'defeat the fork guard with an or',
    file: 'plan.yml',
    from: 'if: github.event.pull_request.head.repo.full_name == github.repository',
    to: "if: github.event.pull_request.head.repo.full_name == github.repository || github.actor == 'dependabot[bot]'",
    job: 'plan',
    rule: 'missing-fork-guard',
  },
  {
    what: 'plan on pull_request_target (runs the PR with secrets)',
    file: 'plan.yml',
    from: 'on:\n  pull_request:\n',
    to: 'on:\n  pull_request_target:\n',
    job: 'plan',
    rule: 'pull-request-target',
  },
  {
    what: 'run CI after another workflow with workflow_run',
    file: 'ci.yml',
    from: 'on:\n  push:\n    branches: [main]\n',
    to: 'on:\n  workflow_run:\n    workflows: [Plan]\n    types: [completed]\n  push:\n    branches: [main]\n',
    job: 'ci',
    rule: 'privileged-trigger',
  },
  {
    what: 'hand every secret to the deploy',
    file: 'deploy.yml',
    from: '    with:\n      # The environments in order',
    to: '    secrets: inherit\n    with:\n      # The environments in order',
    job: 'deploy',
    rule: 'secrets-inherit',
  },
  {
    what: 'keep the token in .git/config after checkout',
    file: 'ci.yml',
    from: 'persist-credentials: false',
    to: 'persist-credentials: true',
    job: 'ci',
    rule: 'persist-credentials',
  },
  {
    what: 'give the dist check contents: write',
    file: 'check-dist.yml',
    from: '    timeout-minutes: 15\n',
    to: '    timeout-minutes: 15\n    permissions:\n      contents: write\n',
    job: 'check-dist',
    rule: 'excess-write-permission',
  },
  {
    what: 'give CI an OIDC token it does not need',
    file: 'ci.yml',
    from: '    timeout-minutes: 30\n',
    to: '    timeout-minutes: 30\n    permissions:\n      contents: read\n      id-token: write\n',
    job: 'ci',
    rule: 'id-token-without-role',
  },
  {
    what: 'plan in the production environment (its deploy role subject)',
    file: 'plan.yml',
    from: '    environment: plan\n',
    to: '    environment: production\n',
    job: 'plan',
    rule: 'pr-environment',
  },
  {
    what: 'paste the pull request title into a script',
    file: 'plan.yml',
    from: '            echo "## Terraform plans against $PLAN_ENVIRONMENT"',
    to: '            echo "## Terraform plans for ${{ github.event.pull_request.title }}"',
    job: 'plan',
    rule: 'expression-in-run',
  },
  {
    what: 'use checkout by a moving tag',
    file: 'ci.yml',
    from: 'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1',
    to: 'actions/checkout@v7',
    job: 'ci',
    rule: 'unpinned-action',
  },
  {
    what: 'a pin whose comment names another release',
    file: 'reusable-deploy.yml',
    from: 'docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e # v4.3.0',
    to: 'docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e # v4.4.0',
    job: 'deploy',
    rule: 'pin-mismatch',
  },
  {
    what: 'a pin to a commit the table does not record, labelled as the release',
    file: 'reusable-init.yml',
    from: 'aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3',
    to: 'aws-actions/configure-aws-credentials@0000000000000000000000000000000000c0ffee # v6.2.3',
    job: 'init',
    rule: 'pin-mismatch',
  },
  {
    what: 'destroy without the default-branch guard',
    file: 'reusable-destroy.yml',
    from: / {6}# Only the default branch changes infrastructure\.[\s\S]*? {10}fi\n/,
    to: '',
    job: 'destroy',
    rule: 'missing-ref-guard',
  },
  {
    what: 'the Destroy workflow calls destroy without its branch check job',
    file: 'destroy.yml',
    from: '    needs: default-branch\n',
    to: '',
    job: 'destroy',
    rule: 'missing-ref-guard',
  },
  {
    what: 'init in environment E instead of E-infra',
    file: 'reusable-init.yml',
    from: "name: ${{ inputs.infra-environment || format('{0}-infra', inputs.environment) }}",
    to: 'name: ${{ inputs.environment }}',
    job: 'init',
    rule: 'wrong-environment',
  },
  {
    what: 'destroy in E-infra, which needs no reviewers',
    file: 'reusable-destroy.yml',
    from: "format('{0}-destroy', inputs.environment)",
    to: "format('{0}-infra', inputs.environment)",
    job: 'destroy',
    rule: 'wrong-environment',
  },
  {
    what: 'plan without -lock=false (takes the production state lock)',
    file: 'plan.yml',
    from: '      TF_CLI_ARGS_plan: -lock=false\n',
    to: '',
    job: 'plan',
    rule: 'plan-takes-lock',
  },
  {
    what: 'the live check assumes the production provision role',
    file: 'e2e-aws.yml',
    from: 'role-to-assume: ${{ vars.E2E_AWS_ROLE_ARN }}',
    to: 'role-to-assume: ${{ vars.AWS_PROVISION_ROLE_ARN }}',
    job: 'release',
    rule: 'wrong-role',
  },
  {
    what: 'the live check runs from any branch',
    file: 'e2e-aws.yml',
    from: '          REF: ${{ github.ref }}\n',
    to: '          REF: refs/heads/main\n',
    job: 'release',
    rule: 'missing-ref-guard',
  },
  {
    what: "a deploy assumes the live check's role",
    file: 'reusable-deploy.yml',
    from: 'role-to-assume: ${{ vars.AWS_ROLE_ARN }}',
    to: 'role-to-assume: ${{ vars.E2E_AWS_ROLE_ARN }}',
    job: 'deploy',
    rule: 'wrong-role',
  },
  {
    what: 'init applies without the state lock',
    file: 'reusable-init.yml',
    from: '    outputs:\n      image: ${{ steps.build.outputs.image }}',
    to: '    env:\n      TF_CLI_ARGS_plan: -lock=false\n    outputs:\n      image: ${{ steps.build.outputs.image }}',
    job: 'init',
    rule: 'apply-without-lock',
  },
  {
    what: 'an AWS access key in a step env',
    file: 'reusable-deploy.yml',
    from: '          ENVIRONMENT: ${{ inputs.environment }}\n          REPOSITORY:',
    to: '          ENVIRONMENT: ${{ inputs.environment }}\n          AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}\n          REPOSITORY:',
    job: 'deploy',
    rule: 'credentials-in-env',
  },
  {
    what: 'remove the typed confirmation of destroy',
    file: 'reusable-destroy.yml',
    from: / {10}if \[\[ "\$CONFIRM" != "\$ENVIRONMENT" \]\]; then\n.*\n.*\n {10}fi\n/,
    to: '',
    job: 'destroy',
    rule: 'destroy-without-confirmation',
  },
  {
    what: 'init falls back to the deploy role',
    file: 'reusable-init.yml',
    from: 'role-to-assume: ${{ vars.AWS_PROVISION_ROLE_ARN }}',
    to: 'role-to-assume: ${{ vars.AWS_PROVISION_ROLE_ARN || vars.AWS_ROLE_ARN }}',
    job: 'init',
    rule: 'wrong-role',
  },
  {
    what: 'plan with the provision role',
    file: 'plan.yml',
    from: 'role-to-assume: ${{ vars.AWS_PLAN_ROLE_ARN }}',
    to: 'role-to-assume: ${{ vars.AWS_PROVISION_ROLE_ARN }}',
    job: 'plan',
    rule: 'wrong-role',
  },
  {
    what: 'destroy back in the deploys concurrency group (a push would cancel it while it waits)',
    file: 'reusable-destroy.yml',
    from: 'group: manual-${{ inputs.environment }}',
    to: 'group: release-${{ inputs.environment }}',
    job: 'destroy',
    rule: 'shared-concurrency',
  },
  {
    what: 'a newer push cancels a running deployment',
    file: 'reusable-deploy.yml',
    from: 'group: release-${{ inputs.environment }}\n      cancel-in-progress: false',
    to: 'group: release-${{ inputs.environment }}\n      cancel-in-progress: true',
    job: 'deploy',
    rule: 'deploy-without-concurrency',
  },
  {
    what: 'production starts without waiting for staging (and its smoke test)',
    file: 'reusable-promote.yml',
    from: '    needs: [stages, staging]\n    if:',
    to: '    needs: [stages]\n    if:',
    job: 'production',
    rule: 'unproven-promotion',
  },
  {
    what: 'production promotes even when staging failed',
    file: 'reusable-promote.yml',
    from: "(needs.staging.result == 'success' || (needs.staging.result == 'skipped' && needs.stages.outputs.staging == ''))",
    to: "(needs.staging.result != 'cancelled')",
    job: 'production',
    rule: 'unproven-promotion',
  },
  {
    what: 'production builds an image of its own instead of the one staging proved',
    file: 'reusable-promote.yml',
    from: '      image: ${{ needs.staging.outputs.image }}\n',
    to: '',
    job: 'production',
    rule: 'unproven-promotion',
  },
  {
    what: 'production deploys an image given from outside the run',
    file: 'reusable-promote.yml',
    from: '      image: ${{ needs.staging.outputs.image }}\n',
    to: '      image: ${{ inputs.context }}\n',
    job: 'production',
    rule: 'unproven-promotion',
  },
  {
    what: 'a promotion stage keeps id-token: write for a workflow that assumes no role',
    file: 'reusable-promote.yml',
    from: / {4}uses: \.\/\.github\/workflows\/reusable-deploy\.yml\n/g,
    to: '    uses: ./.github/workflows/reusable-destroy-never.yml\n',
    job: 'staging',
    rule: 'id-token-without-role',
  },
  {
    what: 'write-all at the top of the pins check',
    file: 'pins.yml',
    from: 'permissions:\n  contents: read\n',
    to: 'permissions: write-all\n',
    job: 'pins',
    rule: 'top-level-permissions',
  },
];

function mutate(m: Mutation): Workflow[] {
  return original.map((wf) => {
    if (wf.file !== m.file) return wf;
    const text = wf.text.replace(m.from, m.to);
    if (text === wf.text) throw new Error(`mutation "${m.what}": ${String(m.from)} is not in ${m.file}`);
    return parseWorkflow(wf.file, text);
  });
}

describe('the workflow rules against mutations of the real workflows', () => {
  it('pass the workflows as they are', () => {
    expect(checkWorkflows(original).map(formatFinding)).toEqual([]);
  });

  it('have at least 15 mutations, each of a different edit', () => {
    expect(mutations.length).toBeGreaterThanOrEqual(15);
    expect(new Set(mutations.map((m) => m.what)).size).toBe(mutations.length);
  });

  it.each(mutations.map((m) => [m.what, m] as const))('catch: %s', (_what, m) => {
    const findings: Finding[] = checkWorkflows(mutate(m));
    const messages = findings.map(formatFinding);
    expect(messages.length).toBeGreaterThan(0);
    // The message names the file, the job and the rule.
    expect(messages).toContainEqual(
      expect.stringMatching(new RegExp(`^${m.file.replace('.', '\\.')} job ${m.job} \\[${m.rule}\\]`)),
    );
  });
});
