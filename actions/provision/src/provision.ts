/**
 * What provision does, with terraform, the logger and the outputs passed in (tests pass fakes):
 * init with the backend settings, then plan to a saved file and read it as JSON; apply only that
 * saved plan; destroy as a destroy plan applied the same way; finally the outputs.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ActionFailure, CancelledError } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/log.js';
import { markdownTable, type Summary } from '../../../lib/summary.js';
import type { ProvisionConfig } from './config.js';
import { parseOutputs, RESERVED_OUTPUTS, type ParsedOutputs } from './outputs.js';
import { planRows, summarizePlan, type PlanSummary } from './plan.js';
import type { TerraformResult, TerraformRunner } from './terraform-cli.js';

export interface ProvisionDeps {
  terraform: TerraformRunner;
  logger: Logger;
  summary: Summary;
  /** A folder only this run uses, for the plan file and the generated var file. */
  tempDir: string;
  /** `-plugin-dir` for init (offline provider installs), from TF_PLUGIN_DIR. */
  pluginDir?: string;
  setOutput(name: string, value: string): void;
  mask(secret: string): void;
}

export interface ProvisionResult {
  plan?: PlanSummary;
  applied: boolean;
  outputs?: ParsedOutputs;
}

/** How much of a failed command's output an error message carries when no diagnostics are found. */
const TAIL_LINES = 25;

export async function provision(config: ProvisionConfig, deps: ProvisionDeps): Promise<ProvisionResult> {
  const { terraform, logger, summary } = deps;
  const stack = path.basename(config.workingDirectory);
  summary.title(`provision: terraform ${config.command} ${stack}`);

  await logger.group(`terraform init (${stack})`, async () => {
    const args = ['init', '-input=false', '-no-color'];
    for (const [key, value] of config.backendConfig) args.push(`-backend-config=${key}=${value}`);
    if (deps.pluginDir) args.push(`-plugin-dir=${deps.pluginDir}`);
    const result = await terraform.run(args);
    if (result.exitCode !== 0) {
      throw new ActionFailure(
        `terraform init failed in ${stack} (exit ${result.exitCode}). Its last lines:\n${tail(result)}`,
      );
    }
  });

  const planFile = path.join(deps.tempDir, `${stack}.tfplan`);
  const varArgs = writeVariables(config, deps.tempDir, stack);
  const result: ProvisionResult = { applied: false };

  if (config.command === 'plan' || config.command === 'apply') {
    result.plan = await plan(config, deps, { planFile, varArgs, destroy: false });
    if (config.command === 'apply') result.applied = await applyIfChanged(config, deps, planFile, result.plan);
    result.outputs = await readOutputs(deps);
  } else if (config.command === 'destroy') {
    if (await stateIsEmpty(deps)) {
      // A stack never created (or already destroyed) needs no variables and no plan: a destroy of a
      // half-built environment passes over it.
      logger.info(`The state of ${stack} holds no resources: nothing to destroy.`);
      result.plan = summarizePlan('{}');
      report(deps, result.plan, 'destroy');
    } else {
      result.plan = await plan(config, deps, { planFile, varArgs, destroy: true });
      result.applied = await applyIfChanged(config, deps, planFile, result.plan);
    }
    deps.setOutput('outputs', '{}');
  } else {
    result.outputs = await readOutputs(deps);
  }

  if (result.plan) {
    deps.setOutput('changed', String(result.plan.changed));
    deps.setOutput('plan-summary', result.plan.text);
  }
  return result;
}

/** The generated var file (JSON, so values keep their types and never reach a command line) and var-files. */
function writeVariables(config: ProvisionConfig, tempDir: string, stack: string): string[] {
  const args = config.varFiles.map((file) => `-var-file=${file}`);
  if (Object.keys(config.variables).length > 0) {
    const file = path.join(tempDir, `${stack}.tfvars.json`);
    writeFileSync(file, `${JSON.stringify(config.variables, null, 2)}\n`, { mode: 0o600 });
    // Last, so the `variables` input wins over the var-files.
    args.push(`-var-file=${file}`);
  }
  return args;
}

async function plan(
  config: ProvisionConfig,
  deps: ProvisionDeps,
  opts: { planFile: string; varArgs: string[]; destroy: boolean },
): Promise<PlanSummary> {
  const kind = opts.destroy ? 'destroy plan' : 'plan';
  const summary = await deps.logger.group(`terraform ${kind}`, async () => {
    const args = ['plan', '-input=false', '-no-color', '-detailed-exitcode', `-lock-timeout=${config.lockTimeout}`];
    if (opts.destroy) args.push('-destroy');
    args.push(`-out=${opts.planFile}`, ...opts.varArgs);
    const planned = await deps.terraform.run(args);
    // -detailed-exitcode: 0 no changes, 1 error, 2 changes.
    if (planned.exitCode !== 0 && planned.exitCode !== 2) {
      throw new ActionFailure(`terraform ${kind} failed (exit ${planned.exitCode}):\n${errorText(planned)}`);
    }
    const shown = await deps.terraform.run(['show', '-json', opts.planFile], { silent: true });
    if (shown.exitCode !== 0) {
      throw new ActionFailure(
        `terraform show -json of the saved plan failed (exit ${shown.exitCode}):\n${errorText(shown)}`,
      );
    }
    const read = summarizePlan(shown.stdout);
    // Terraform's own verdict (exit 2) wins over our reading of the JSON, should they ever differ.
    return planned.exitCode === 2 && !read.changed ? { ...read, changed: true } : read;
  });
  deps.logger.info(`Plan: ${summary.text}${summary.changed ? '' : ' (no changes)'}`);
  report(deps, summary, opts.destroy ? 'destroy' : config.command);
  return summary;
}

async function applyIfChanged(
  config: ProvisionConfig,
  deps: ProvisionDeps,
  planFile: string,
  planned: PlanSummary,
): Promise<boolean> {
  if (!planned.changed) {
    deps.logger.info('The plan has no changes: nothing to apply.');
    return false;
  }
  // Resources terraform reported done (`<address>: Creation complete after 2s`), for a cancelled apply's verdict.
  const done = new Set<string>();
  const countDone = (line: string) => {
    const finished = /^(\S+): (?:Creation|Modifications|Destruction) complete\b/.exec(line);
    if (finished) done.add(finished[1]!);
  };
  try {
    await deps.logger.group('terraform apply (the saved plan)', async () => {
      // A saved plan carries its variables: terraform refuses -var-file here.
      const applied = await deps.terraform.run(
        ['apply', '-input=false', '-no-color', `-lock-timeout=${config.lockTimeout}`, planFile],
        { onLine: countDone },
      );
      if (applied.exitCode !== 0) {
        throw new ActionFailure(`terraform apply failed (exit ${applied.exitCode}):\n${errorText(applied)}`);
      }
    });
  } catch (error) {
    if (error instanceof CancelledError) {
      deps.summary.verdict(
        'warning',
        `interrupted after ${done.size} of ${planned.resources.length} changes — run plan to see what is left`,
      );
      deps.summary.details('What happened', error.message);
    }
    throw error;
  }
  deps.summary.verdict('success', `${config.command === 'destroy' ? 'destroyed' : 'applied'}: ${planText(planned)}`);
  return true;
}

async function stateIsEmpty(deps: ProvisionDeps): Promise<boolean> {
  const listed = await deps.terraform.run(['state', 'list'], { silent: true });
  if (listed.exitCode !== 0) {
    throw new ActionFailure(`terraform state list failed (exit ${listed.exitCode}):\n${errorText(listed)}`);
  }
  return listed.stdout.trim() === '';
}

async function readOutputs(deps: ProvisionDeps): Promise<ParsedOutputs> {
  // Silent: `output -json` prints sensitive values in clear.
  const shown = await deps.terraform.run(['output', '-json'], { silent: true });
  if (shown.exitCode !== 0) {
    throw new ActionFailure(`terraform output -json failed (exit ${shown.exitCode}):\n${errorText(shown)}`);
  }
  const outputs = parseOutputs(shown.stdout);
  // Masked before any value is set or printed.
  for (const secret of outputs.secrets) deps.mask(secret);
  for (const output of outputs.list) {
    if ((RESERVED_OUTPUTS as readonly string[]).includes(output.name)) {
      deps.logger.warning(
        `The Terraform output '${output.name}' has the name of one of this action's own outputs; read it from 'outputs' instead.`,
      );
      continue;
    }
    deps.setOutput(output.name, output.rendered);
  }
  deps.setOutput('outputs', JSON.stringify(outputs.values));
  if (outputs.list.length > 0) {
    deps.logger.info(`Outputs: ${outputs.list.map((o) => o.name).join(', ')}`);
    deps.summary.table(
      ['Output', 'Value'],
      outputs.list.map((o) => [`\`${o.name}\``, o.sensitive ? '(sensitive)' : shorten(o.rendered)]),
    );
  }
  return outputs;
}

/** `3 to add, 1 to change, 0 to destroy; outputs changing: url` */
function planText(planned: PlanSummary): string {
  return `${planned.text}${planned.outputChanges.length ? `; outputs changing: ${planned.outputChanges.join(', ')}` : ''}`;
}

function report(deps: ProvisionDeps, planned: PlanSummary, kind: string): void {
  if (planned.changed) {
    deps.summary.verdict('success', `${kind === 'destroy' ? 'destroy plan: ' : 'plan: '}${planText(planned)}`);
  } else {
    deps.summary.verdict('unchanged', 'no changes');
  }
  const rows = planRows(planned);
  if (rows.length > 0)
    deps.summary.folded(`Plan (${rows.length} resources)`, markdownTable(['Action', 'Resource', 'Type'], rows));
}

/**
 * The error diagnostics terraform printed on stderr. With -no-color each starts with an
 * `Error: ` or `Warning: ` line and runs to the next one (a colour terminal frames them with
 * ╷ │ ╵ instead; those frames are stripped). The output's last lines when there are none.
 */
export function errorText(result: TerraformResult): string {
  const diagnostics: string[][] = [];
  for (const raw of result.stderr.split(/\r?\n/)) {
    if (/^[╷╵]\s*$/.test(raw)) continue;
    const line = raw.replace(/^│ ?/, '');
    if (/^(Error|Warning): /.test(line)) diagnostics.push([line]);
    else diagnostics.at(-1)?.push(line);
  }
  const errors = diagnostics.filter((d) => d[0]?.startsWith('Error: ')).map((d) => d.join('\n').trim());
  return errors.length > 0 ? errors.join('\n\n') : tail(result);
}

function tail(result: TerraformResult): string {
  const lines = `${result.stdout}\n${result.stderr}`.split(/\r?\n/).filter((l) => l.trim() !== '');
  return lines.slice(-TAIL_LINES).join('\n');
}

function shorten(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
