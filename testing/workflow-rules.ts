/**
 * The security rules the workflows hold themselves to, written as an attacker with write access
 * to the repository (or a careless edit) would try to get around them. Each finding names the
 * file, the job and the rule. testing/workflows.test.ts runs them on small examples and on the
 * real workflows; testing/workflow-mutations.test.ts shows each one catching a plausible edit
 * of the real files.
 *
 * Who may do what, and the rule that holds it:
 * - Pull requests plan with the plan role only, in the `plan` environment, only from this
 *   repository (fork guard), with `terraform plan -lock=false`: wrong-role, pr-environment,
 *   missing-fork-guard, plan-takes-lock.
 * - Init and destroy assume the provision role only, in `<E>-infra` / `<E>-destroy`, only from
 *   the default branch (checked before any AWS call): wrong-role, wrong-environment,
 *   missing-ref-guard; destroy only after the typed confirmation: destroy-without-confirmation.
 * - A push never drops a queued init or destroy: shared-concurrency.
 * - Tokens and keys: id-token-without-role, excess-write-permission, persist-credentials,
 *   credentials-in-env, secrets-inherit, long-lived-keys, pull-request-target, privileged-trigger.
 * - Third-party code is what was reviewed: unpinned-action, pin-without-version, pin-mismatch.
 * - A later environment only receives the image an earlier one deployed and smoke tested in the
 *   same run, and only when that succeeded: unproven-promotion.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { repoRoot } from './run-action.js';
import { evaluateTemplate } from './workflow-steps.js';
import {
  changesEnvironment,
  isLocal,
  localActionName,
  stepLabel,
  steps,
  type Job,
  type Step,
  type Workflow,
} from './workflows.js';

export type RuleName =
  | 'unpinned-action'
  | 'pin-without-version'
  | 'pin-mismatch'
  | 'expression-in-run'
  | 'id-token-without-role'
  | 'role-without-id-token'
  | 'long-lived-keys'
  | 'missing-timeout'
  | 'deploy-without-concurrency'
  | 'deploy-without-environment'
  | 'top-level-permissions'
  | 'pull-request-target'
  | 'privileged-trigger'
  | 'terraform-wrapper'
  | 'excess-write-permission'
  | 'persist-credentials'
  | 'secrets-inherit'
  | 'credentials-in-env'
  | 'pr-environment'
  | 'missing-fork-guard'
  | 'wrong-role'
  | 'wrong-environment'
  | 'missing-ref-guard'
  | 'destroy-without-confirmation'
  | 'plan-takes-lock'
  | 'apply-without-lock'
  | 'shared-concurrency'
  | 'unproven-promotion';

export interface Finding {
  file: string;
  /** The job the finding is about; a workflow-wide finding is reported once per job. */
  job?: string;
  step?: string;
  rule: RuleName;
  message: string;
}

/** `plan.yml job plan [missing-fork-guard] step x: message`. */
export function formatFinding(f: Finding): string {
  return `${f.file} job ${f.job ?? '(none)'} [${f.rule}]${f.step ? ` step ${f.step}` : ''}: ${f.message}`;
}

// ---------------------------------------------------------------------------------------------
// The pins table

export interface Pin {
  action: string;
  version: string;
  sha: string;
}

export const pinsFile = join(repoRoot, '.github', 'action-pins.json');

export function loadPins(file = pinsFile): Pin[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { pins: Pin[] }).pins;
}

// ---------------------------------------------------------------------------------------------
// What a job is for

const FULL_SHA = /^[^@\s]+@[0-9a-f]{40}$/;
const CONFIGURE_AWS = 'aws-actions/configure-aws-credentials@';
const SETUP_TERRAFORM = 'hashicorp/setup-terraform@';
const CHECKOUT = 'actions/checkout@';

/** The roles, as the repository variables that hold them. */
export const ROLES = {
  deploy: '${{ vars.AWS_ROLE_ARN }}',
  provision: '${{ vars.AWS_PROVISION_ROLE_ARN }}',
  plan: '${{ vars.AWS_PLAN_ROLE_ARN }}',
  liveCheck: '${{ vars.E2E_AWS_ROLE_ARN }}',
} as const;

/**
 * The live check on a real account (e2e-aws.yml) runs in this environment with a role of its
 * own in a separate account: it applies and destroys only the throwaway environment it creates,
 * so it needs no typed confirmation, and no other job may assume that role.
 */
export const LIVE_CHECK_ENVIRONMENT = 'e2e';

/** The one environment a pull-request job may name: the plan role trusts only its subject. */
export const PLAN_ENVIRONMENT = 'plan';

/** Only pull requests from branches of this repository; forks' code never gets a token. */
export const FORK_GUARD = 'github.event.pull_request.head.repo.full_name == github.repository';

/** Where a write permission is allowed, by scope; every other write is flagged. */
const WRITE_ALLOWED: Record<string, (wf: Workflow, job: Job) => boolean> = {
  // Checked by id-token-without-role: only where a job assumes a role.
  'id-token': () => true,
  // Tags and releases: only the release workflow.
  contents: (wf) => wf.file === 'release.yml',
};

const PR_TRIGGERS = ['pull_request', 'pull_request_target'];

function permissionIs(permissions: unknown, scope: string, level: string): boolean {
  if (permissions === 'write-all') return level === 'write';
  if (permissions && typeof permissions === 'object') return (permissions as Record<string, unknown>)[scope] === level;
  return false;
}

function configureSteps(job: Job): Step[] {
  return steps(job).filter((s) => s.uses?.startsWith(CONFIGURE_AWS));
}

function assumesRole(job: Job): boolean {
  return configureSteps(job).some((s) => typeof s.with?.['role-to-assume'] === 'string');
}

function provisionCommands(job: Job): string[] {
  return steps(job)
    .filter((s) => localActionName(s) === 'provision')
    .map((s) => String(s.with?.command ?? 'plan'));
}

/** Applies or destroys stacks: the provision role's work. */
export function appliesStacks(job: Job): boolean {
  return provisionCommands(job).some((c) => c === 'apply' || c === 'destroy');
}

export function destroysStacks(job: Job): boolean {
  return provisionCommands(job).includes('destroy');
}

/** Plans only (plan or output): the plan role's work. */
function plansOnly(job: Job): boolean {
  const commands = provisionCommands(job);
  return commands.includes('plan') && commands.every((c) => c === 'plan' || c === 'output');
}

/** Shifts traffic with deploy-bluegreen (not only registering a task definition): the deploy role's work. */
export function deploysService(job: Job): boolean {
  return steps(job).some(
    (s) => localActionName(s) === 'deploy-bluegreen' && String(s.with?.['register-only']) !== 'true',
  );
}

export function triggers(on: unknown): string[] {
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  if (on && typeof on === 'object') return Object.keys(on);
  return [];
}

function concurrencyGroup(job: Job): string | undefined {
  const c = job.concurrency;
  const group = typeof c === 'string' ? c : (c as { group?: unknown } | undefined)?.group;
  return typeof group === 'string' ? group : undefined;
}

function environmentName(job: Job): string | undefined {
  const e = job.environment;
  if (typeof e === 'string') return e;
  const name = (e as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : undefined;
}

/** The name the job's environment gets when the workflow is called for environment `E` with its input defaults. */
function environmentFor(wf: Workflow, job: Job): string | undefined {
  const name = environmentName(job);
  if (name === undefined) return undefined;
  const declared =
    (wf.on as { workflow_call?: { inputs?: Record<string, { default?: unknown }> } } | null)?.workflow_call?.inputs ??
    {};
  const inputs = Object.fromEntries(Object.entries(declared).map(([k, v]) => [k, v?.default ?? '']));
  try {
    return evaluateTemplate(name, { inputs: { ...inputs, environment: 'E' }, vars: {}, github: {}, needs: {} });
  } catch {
    return name;
  }
}

/** `if:` without `${{ }}`, whitespace collapsed. */
function condition(value: unknown): string {
  return String(value ?? '')
    .trim()
    .replace(/^\$\{\{([\s\S]*)\}\}$/, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The fork guard holds only when it is one of the `&&` terms and nothing is `||`-ed around it. */
function hasForkGuard(job: Job): boolean {
  const text = condition(job.if);
  if (text.includes('||')) return false;
  const reversed = FORK_GUARD.split(' == ').reverse().join(' == ');
  return text
    .split('&&')
    .map((t) =>
      t
        .trim()
        .replace(/^\((.*)\)$/, '$1')
        .trim(),
    )
    .some((t) => t === FORK_GUARD || t === reversed);
}

/** The step that stops a run from any ref but the default branch (github is the caller's run in a called workflow). */
export function isRefGuard(step: Step): boolean {
  const env = step.env ?? {};
  return (
    env.REF === '${{ github.ref }}' &&
    env.DEFAULT_BRANCH === '${{ github.event.repository.default_branch }}' &&
    typeof step.run === 'string' &&
    step.run.includes('"$REF" != "refs/heads/$DEFAULT_BRANCH"') &&
    step.run.includes('exit 1')
  );
}

/** The step that stops a destroy unless the environment name was typed again. */
export function isConfirmation(step: Step): boolean {
  return (
    step.env?.CONFIRM === '${{ inputs.confirm }}' &&
    typeof step.run === 'string' &&
    step.run.includes('"$CONFIRM" != "$ENVIRONMENT"') &&
    step.run.includes('exit 1')
  );
}

function needsOf(job: Job): string[] {
  return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
}

/** Steps of the jobs this one waits for, transitively. */
function stepsBefore(wf: Workflow, job: Job, seen = new Set<string>()): Step[] {
  return needsOf(job).flatMap((id) => {
    const needed = wf.jobs[id];
    if (!needed || seen.has(id)) return [];
    seen.add(id);
    return [...steps(needed), ...stepsBefore(wf, needed, seen)];
  });
}

/** Whether `test` holds for a step of a job this one waits for, or of this job before its first AWS step. */
function guardedBy(wf: Workflow, job: Job, test: (s: Step) => boolean): boolean {
  if (stepsBefore(wf, job).some(test)) return true;
  const own = steps(job);
  const firstAws = own.findIndex((s) => s.uses?.startsWith(CONFIGURE_AWS));
  return own.slice(0, firstAws === -1 ? own.length : firstAws).some(test);
}

const CREDENTIAL_NAMES = /^(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN)$/;
// AWS access key ids, GitHub tokens (classic and fine-grained).
const CREDENTIAL_VALUES = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b|\bgh[pousr]_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}/;

function envCredentials(env: Record<string, unknown> | undefined): string[] {
  return Object.entries(env ?? {})
    .filter(
      ([name, value]) =>
        CREDENTIAL_NAMES.test(name) || /\bsecrets\./.test(String(value)) || CREDENTIAL_VALUES.test(String(value)),
    )
    .map(([name]) => name);
}

/** The release comment after a `uses:` value (`# v1.2.3`), read from the YAML source. */
function pinComments(wf: Workflow): (path: Array<string | number>) => string | undefined {
  const doc = parseDocument(wf.text);
  return (path) => {
    const node = doc.getIn(path, true) as { comment?: string | null } | undefined;
    return node?.comment?.trim() ?? undefined;
  };
}

/** Whether a job of this workflow (or of one it calls, with id-token: write) assumes an AWS role with the token. */
function passesTokenToRole(wf: Workflow, resolveLocal: (uses: string) => Workflow | undefined, depth = 0): boolean {
  return Object.values(wf.jobs).some((j) => {
    if (!permissionIs(j.permissions, 'id-token', 'write')) return false;
    if (j.uses === undefined) return assumesRole(j);
    const called = isLocal(j.uses) ? resolveLocal(j.uses) : undefined;
    return called !== undefined && depth < 10 && passesTokenToRole(called, resolveLocal, depth + 1);
  });
}

/** Whether the workflow (or one it calls) has a job that deploys and then smoke tests: reusable-deploy's shape. */
function deploysThrough(wf: Workflow, resolveLocal: (uses: string) => Workflow | undefined, depth = 0): boolean {
  return Object.values(wf.jobs).some((j) => {
    if (j.uses === undefined) return deploysAndSmokeTests(j);
    const called = isLocal(j.uses) ? resolveLocal(j.uses) : undefined;
    return called !== undefined && depth < 10 && deploysThrough(called, resolveLocal, depth + 1);
  });
}

/** deploy-bluegreen, then smoke-test after it: the job fails unless what it deployed is serving. */
function deploysAndSmokeTests(job: Job): boolean {
  const own = steps(job);
  const deploy = own.findIndex((s) => deploysService({ steps: [s] }));
  return deploy !== -1 && own.slice(deploy + 1).some((s) => localActionName(s) === 'smoke-test');
}

const NEEDS_IMAGE = /^\$\{\{\s*needs\.([A-Za-z0-9_-]+)\.outputs\.image\s*\}\}$/;

/**
 * A call of a deploy workflow after another deploy call in the same workflow is a promotion: it
 * must deploy the earlier call's image output (never build its own), need that call directly,
 * and run only when that call succeeded. Its `if:` is evaluated with the earlier call failed,
 * cancelled and skipped; the status functions are read as GitHub defines them for a job.
 */
function promotionProblems(
  wf: Workflow,
  jobId: string,
  job: Job,
  resolveLocal: (uses: string) => Workflow | undefined,
): string[] {
  const deployCalls = Object.entries(wf.jobs).filter(
    ([id, j]) => id !== jobId && j.uses !== undefined && isLocal(j.uses) && deploysCall(j, resolveLocal),
  );
  const upstream = deployCalls.filter(([id]) => dependsOn(wf, job, id));
  if (upstream.length === 0) {
    const image = job.with?.image;
    return typeof image === 'string' && image.trim() !== '' && deployCalls.length > 0
      ? [
          `deploys image ${image} without needing the deploy job it comes from (${deployCalls.map(([id]) => id).join(', ')})`,
        ]
      : deployCalls.length > 0 && !deployCalls.some(([, j]) => dependsOn(wf, j, jobId))
        ? [
            `deploys alongside ${deployCalls.map(([id]) => id).join(', ')} without needing it: every environment after the first needs the one before`,
          ]
        : [];
  }
  const problems: string[] = [];
  const image = String(job.with?.image ?? '');
  const source = NEEDS_IMAGE.exec(image.trim())?.[1];
  if (!source || !upstream.some(([id]) => id === source)) {
    problems.push(
      `deploys after ${upstream.map(([id]) => id).join(', ')} but its image is '${image}', not \${{ needs.<that job>.outputs.image }}: it would build or take an image no earlier environment proved`,
    );
  }
  if (!needsOf(job).includes(source ?? upstream[0]![0])) {
    problems.push(
      `does not need ${source ?? upstream[0]![0]} directly, so it could start before that job's smoke test passed`,
    );
  }
  for (const result of ['failure', 'cancelled', 'skipped']) {
    if (source && runsWhen(wf, job, source, result)) {
      problems.push(`its if: runs it when ${source} ended '${result}': it would promote an image that was not proven`);
    }
  }
  return problems;
}

/** Whether the job calls a workflow that deploys (through any depth of calls). */
function deploysCall(job: Job, resolveLocal: (uses: string) => Workflow | undefined): boolean {
  const called = job.uses && isLocal(job.uses) ? resolveLocal(job.uses) : undefined;
  return called !== undefined && deploysThrough(called, resolveLocal);
}

/** Whether `job` waits for `target`, directly or through other jobs. */
function dependsOn(wf: Workflow, job: Job, target: string, seen = new Set<string>()): boolean {
  return needsOf(job).some((id) => {
    if (id === target) return true;
    if (seen.has(id)) return false;
    seen.add(id);
    const next = wf.jobs[id];
    return next !== undefined && dependsOn(wf, next, target, seen);
  });
}

/**
 * Whether the job's if: is true when `source` ended with `result` and every other need
 * succeeded. No if: means success() (docs.github.com, "Using conditions to control job
 * execution"): every need succeeded.
 */
function runsWhen(wf: Workflow, job: Job, source: string, result: string): boolean {
  const needed = needsOf(job);
  const needs = Object.fromEntries(
    needed.map((id) => [
      id,
      {
        result: id === source ? result : 'success',
        outputs: Object.fromEntries(Object.keys(wf.jobs[id]?.outputs ?? {}).map((k) => [k, 'x'])),
      },
    ]),
  );
  const allSucceeded = result === 'success';
  const text = condition(job.if) || 'success()';
  // The status functions as GitHub defines them for a job's if: (they are not part of the evaluator).
  const expression = text
    .replace(/\bsuccess\(\)/g, String(allSucceeded))
    .replace(/\bfailure\(\)/g, String(result === 'failure'))
    .replace(/\bcancelled\(\)/g, String(result === 'cancelled'))
    .replace(/\balways\(\)/g, 'true');
  const implicitSuccess = !/\b(success|failure|cancelled|always)\(\)/.test(text);
  try {
    const value = evaluateTemplate(`\${{ ${expression} }}`, { inputs: {}, vars: {}, github: {}, needs });
    return (implicitSuccess ? allSucceeded : true) && value !== 'false' && value !== '' && value !== '0';
  } catch {
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// The rules

export interface CheckOptions {
  /** Loads a reusable workflow this one calls with `uses: ./.github/workflows/<file>`. */
  resolveLocal?: (uses: string) => Workflow | undefined;
  /** The committed pins table (.github/action-pins.json). */
  pins?: Pin[];
}

export function checkWorkflow(wf: Workflow, options: CheckOptions = {}): Finding[] {
  const resolveLocal = options.resolveLocal ?? (() => undefined);
  const pins = options.pins ?? loadPins();
  const findings: Finding[] = [];
  const add = (rule: RuleName, message: string, job?: string, step?: string) =>
    findings.push({ file: wf.file, job, step, rule, message });
  const jobIds = Object.keys(wf.jobs);
  const everyJob = (rule: RuleName, message: string) => jobIds.forEach((id) => add(rule, message, id));

  const on = triggers(wf.on);
  const pullRequest = on.some((t) => PR_TRIGGERS.includes(t));
  const reusable = on.includes('workflow_call');
  if (on.includes('pull_request_target')) {
    everyJob(
      'pull-request-target',
      'pull_request_target runs untrusted pull request code with secrets; use pull_request',
    );
  }
  if (on.includes('workflow_run')) {
    everyJob(
      'privileged-trigger',
      'workflow_run runs with secrets and write tokens after a pull request workflow, on artifacts the pull request controls',
    );
  }
  const top = wf.permissions;
  if (
    !top ||
    typeof top !== 'object' ||
    Object.keys(top).length !== 1 ||
    (top as Record<string, unknown>).contents !== 'read'
  ) {
    everyJob(
      'top-level-permissions',
      `top-level permissions must be exactly { contents: read }, found ${JSON.stringify(top ?? null)}`,
    );
  }
  for (const name of envCredentials(wf.env)) {
    everyJob('credentials-in-env', `workflow env ${name} hands a credential to every step; assume a role through OIDC`);
  }

  const comment = pinComments(wf);
  const checkPin = (uses: string, path: Array<string | number>, jobId: string, step?: string) => {
    const [action, sha] = uses.split('@') as [string, string];
    const note = comment(path);
    // yaml keeps a trailing comment without its '#'.
    const version = /^#?\s*(v?\d\S*)/.exec(note ?? '')?.[1];
    if (!version) {
      add('pin-without-version', `${uses} needs its release in a comment, e.g. "# v1.2.3"`, jobId, step);
      return;
    }
    const known = pins.find((p) => p.action === action && p.sha === sha);
    if (!known) {
      add(
        'pin-mismatch',
        `${action}@${sha} is not in .github/action-pins.json: record its tag and SHA there`,
        jobId,
        step,
      );
    } else if (known.version !== version) {
      add(
        'pin-mismatch',
        `${action}@${sha} says ${version}, but .github/action-pins.json records that SHA as ${known.version}`,
        jobId,
        step,
      );
    }
  };

  for (const [jobId, job] of Object.entries(wf.jobs)) {
    const permissions = job.permissions;
    if (permissions === 'write-all') {
      add('excess-write-permission', 'write-all grants every scope; list the scopes the job needs', jobId);
    } else if (permissions && typeof permissions === 'object') {
      for (const [scope, level] of Object.entries(permissions as Record<string, unknown>)) {
        if (level === 'write' && !(WRITE_ALLOWED[scope]?.(wf, job) ?? false)) {
          add('excess-write-permission', `${scope}: write is more than this job needs`, jobId);
        }
      }
    }
    if (job.secrets === 'inherit') {
      add(
        'secrets-inherit',
        'secrets: inherit hands every secret to the called workflow; pass the ones it declares',
        jobId,
      );
    }
    for (const name of envCredentials(job.env)) {
      add('credentials-in-env', `job env ${name} hands a credential to every step; assume a role through OIDC`, jobId);
    }

    if (job.uses !== undefined) {
      if (!isLocal(job.uses) && !FULL_SHA.test(job.uses)) {
        add('unpinned-action', `reusable workflow ${job.uses} is not pinned to a full commit SHA`, jobId);
      }
      const called = isLocal(job.uses) ? resolveLocal(job.uses) : undefined;
      if (permissionIs(job.permissions, 'id-token', 'write')) {
        const usesToken = called ? passesTokenToRole(called, resolveLocal) : !isLocal(job.uses);
        if (!usesToken) {
          add(
            'id-token-without-role',
            `grants id-token: write to ${job.uses}, where no job assumes an AWS role`,
            jobId,
          );
        }
      }
      if (called && deploysThrough(called, resolveLocal)) {
        for (const problem of promotionProblems(wf, jobId, job, resolveLocal))
          add('unproven-promotion', problem, jobId);
      }
      // The caller stops a run from another branch before the called workflow starts.
      if (called && Object.values(called.jobs).some(appliesStacks) && !stepsBefore(wf, job).some(isRefGuard)) {
        add(
          'missing-ref-guard',
          `calls ${job.uses}, which applies or destroys stacks, without first needing a job that refuses any ref but the default branch`,
          jobId,
        );
      }
      continue; // a job that calls a reusable workflow takes its timeout and steps from there
    }

    if (job['timeout-minutes'] === undefined) add('missing-timeout', 'job has no timeout-minutes', jobId);
    const idToken = permissionIs(job.permissions, 'id-token', 'write');
    if (idToken && !assumesRole(job)) {
      add(
        'id-token-without-role',
        'has id-token: write but no configure-aws-credentials step with role-to-assume',
        jobId,
      );
    }
    if (changesEnvironment(job)) {
      const concurrency = job.concurrency;
      const cancels = (concurrency as { 'cancel-in-progress'?: unknown } | undefined)?.['cancel-in-progress'];
      if (!concurrencyGroup(job)) {
        add('deploy-without-concurrency', 'changes an environment but has no concurrency group', jobId);
      } else if (cancels !== undefined && cancels !== false) {
        add(
          'deploy-without-concurrency',
          'cancel-in-progress must be false: a newer run must wait, not cut a deployment short',
          jobId,
        );
      }
      if (job.environment === undefined) {
        add('deploy-without-environment', 'changes an environment but names no GitHub environment', jobId);
      }
    }

    // Which role and which environment, by what the job does. The roles trust only these
    // environments' subjects, so a job in another environment could not assume its role at all.
    const liveCheck = environmentName(job) === LIVE_CHECK_ENVIRONMENT;
    const expectedRole = pullRequest
      ? ROLES.plan
      : liveCheck
        ? ROLES.liveCheck
        : appliesStacks(job)
          ? ROLES.provision
          : deploysService(job)
            ? ROLES.deploy
            : undefined;
    for (const [index, step] of steps(job).entries()) {
      const role = step.with?.['role-to-assume'];
      if (step.uses?.startsWith(CONFIGURE_AWS) && (expectedRole || role === ROLES.liveCheck) && role !== expectedRole) {
        add('wrong-role', `assumes ${String(role)}; this job's role is ${expectedRole}`, jobId, stepLabel(step, index));
      }
    }
    const environment = environmentFor(wf, job);
    if (pullRequest) {
      if (job.environment !== undefined && environmentName(job) !== PLAN_ENVIRONMENT) {
        add(
          'pr-environment',
          `a pull-request job names environment ${String(environmentName(job))}; only "${PLAN_ENVIRONMENT}" (the plan role's subject)`,
          jobId,
        );
      }
      if (assumesRole(job) && environmentName(job) !== PLAN_ENVIRONMENT) {
        add('pr-environment', `a pull-request job assumes a role outside environment "${PLAN_ENVIRONMENT}"`, jobId);
      }
      if ((idToken || job.environment !== undefined) && !hasForkGuard(job)) {
        add(
          'missing-fork-guard',
          `a pull-request job with a token or an environment needs if: ${FORK_GUARD} (and nothing or-ed with it)`,
          jobId,
        );
      }
    } else if (appliesStacks(job) && !liveCheck) {
      const expected = destroysStacks(job) ? 'E-destroy' : 'E-infra';
      // A reusable workflow is evaluated for environment E; elsewhere the name is literal.
      const fits = reusable ? environment === expected : environment?.endsWith(expected.slice(1)) === true;
      if (!fits) {
        add(
          'wrong-environment',
          `for environment E this job runs in ${String(environment)}; it applies or destroys stacks, so it belongs in ${expected}`,
          jobId,
        );
      }
      if (!guardedBy(wf, job, isRefGuard)) {
        add(
          'missing-ref-guard',
          'applies or destroys stacks without first refusing any ref but the default branch (before any AWS step)',
          jobId,
        );
      }
    } else if (liveCheck && appliesStacks(job) && !guardedBy(wf, job, isRefGuard)) {
      add(
        'missing-ref-guard',
        'applies or destroys stacks without first refusing any ref but the default branch (before any AWS step)',
        jobId,
      );
    } else if (reusable && deploysService(job) && environment !== undefined && environment !== 'E') {
      add('wrong-environment', `for environment E this deploy runs in ${environment}; it belongs in E`, jobId);
    }
    if (destroysStacks(job) && !liveCheck && !guardedBy(wf, job, isConfirmation)) {
      add(
        'destroy-without-confirmation',
        'destroys stacks without first checking the environment name typed again (CONFIRM against ENVIRONMENT)',
        jobId,
      );
    }

    // Plans must not take the state lock (the plan role cannot write it); applies must.
    const lockFree = [wf.env, job.env].some((env) =>
      /(^|\s)-lock=false(\s|$)/.test(String(env?.TF_CLI_ARGS_plan ?? '')),
    );
    if (plansOnly(job) && !lockFree) {
      add(
        'plan-takes-lock',
        'plans without TF_CLI_ARGS_plan: -lock=false in the job env: the plan would take the state lock',
        jobId,
      );
    }
    if (appliesStacks(job) && (lockFree || steps(job).some((s) => /-lock=false/.test(JSON.stringify(s.env ?? {}))))) {
      add('apply-without-lock', 'an apply or destroy must hold the state lock; remove -lock=false', jobId);
    }

    steps(job).forEach((step, index) => {
      const label = stepLabel(step, index);
      if (step.uses !== undefined && !isLocal(step.uses)) {
        const docker = step.uses.startsWith('docker://');
        const pinned = docker ? /@sha256:[0-9a-f]{64}$/.test(step.uses) : FULL_SHA.test(step.uses);
        if (!pinned) add('unpinned-action', `${step.uses} is not pinned to a full commit SHA`, jobId, label);
        else if (!docker) checkPin(step.uses, ['jobs', jobId, 'steps', index, 'uses'], jobId, label);
      }
      if (step.uses?.startsWith(CHECKOUT)) {
        const persist = step.with?.['persist-credentials'];
        if (persist !== false && persist !== 'false') {
          add(
            'persist-credentials',
            'checkout leaves the job token in .git/config for every later step; set persist-credentials: false',
            jobId,
            label,
          );
        }
      }
      for (const name of envCredentials(step.env)) {
        add('credentials-in-env', `env ${name} holds a credential; assume a role through OIDC`, jobId, label);
      }
      if (typeof step.run === 'string' && step.run.includes('${{')) {
        add(
          'expression-in-run',
          'an expression inside run: is pasted into the script before it runs; pass it through env:',
          jobId,
          label,
        );
      }
      if (step.uses?.startsWith(CONFIGURE_AWS)) {
        if (step.with?.['aws-access-key-id'] !== undefined || step.with?.['aws-secret-access-key'] !== undefined) {
          add('long-lived-keys', 'uses access keys; assume a role through OIDC instead', jobId, label);
        }
        if (!idToken)
          add('role-without-id-token', 'assumes a role through OIDC but the job lacks id-token: write', jobId, label);
      }
      if (step.uses?.startsWith(SETUP_TERRAFORM) && String(step.with?.terraform_wrapper) !== 'false') {
        add(
          'terraform-wrapper',
          'set terraform_wrapper: false (the wrapper mishandles -detailed-exitcode)',
          jobId,
          label,
        );
      }
    });
  }
  return findings;
}

/**
 * Every workflow in the folder, with local reusable workflows resolved from the same folder,
 * and the rules that need more than one file: an init or destroy job must not share a
 * concurrency group with a deploy job, or a push would cancel it while it waits (GitHub keeps
 * one pending run per group and cancels the older one: "Control the concurrency of workflows
 * and jobs", docs.github.com).
 */
export function checkWorkflows(workflows: Workflow[], pins: Pin[] = loadPins()): Finding[] {
  const byPath = new Map(workflows.map((w) => [`./.github/workflows/${w.file}`, w]));
  const findings = workflows.flatMap((w) => checkWorkflow(w, { resolveLocal: (uses) => byPath.get(uses), pins }));
  const deployGroups = new Set(
    workflows.flatMap((w) =>
      Object.values(w.jobs)
        // The live check's own jobs run on a throwaway environment no push deploys to.
        .filter((j) => deploysService(j) && environmentName(j) !== LIVE_CHECK_ENVIRONMENT)
        .map((j) => concurrencyGroup(j)?.toLowerCase()),
    ),
  );
  for (const wf of workflows) {
    for (const [jobId, job] of Object.entries(wf.jobs)) {
      const group = concurrencyGroup(job);
      if (appliesStacks(job) && group && deployGroups.has(group.toLowerCase())) {
        findings.push({
          file: wf.file,
          job: jobId,
          rule: 'shared-concurrency',
          message: `concurrency group ${group} is also a deploy's: a push would cancel this job while it waits`,
        });
      }
    }
  }
  return findings;
}
