/**
 * Turns `terraform output -json` into action outputs: one per Terraform output (strings as they
 * are, anything else as JSON) plus `outputs`, the whole object. Sensitive values are listed
 * for masking so they can be registered with the runner before any output is set.
 * https://developer.hashicorp.com/terraform/cli/commands/output (the -json shape: value, type, sensitive)
 */
import { ActionFailure } from '../../../lib/errors.js';

/** Outputs this action sets itself; a Terraform output of the same name cannot replace them. */
export const RESERVED_OUTPUTS = ['outputs', 'changed', 'plan-summary'] as const;

export interface TerraformOutput {
  name: string;
  value: unknown;
  sensitive: boolean;
  /** The value as an action output: strings unquoted, anything else as JSON. */
  rendered: string;
}

export interface ParsedOutputs {
  list: TerraformOutput[];
  /** name -> value, the `outputs` action output. */
  values: Record<string, unknown>;
  /** Every string that must be masked before any output is set. */
  secrets: string[];
}

export function parseOutputs(json: string): ParsedOutputs {
  let raw: unknown;
  try {
    raw = JSON.parse(json.trim() === '' ? '{}' : json);
  } catch (error) {
    throw new ActionFailure(`terraform output -json did not print JSON (${(error as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ActionFailure('terraform output -json did not print an object of outputs');
  }
  const list: TerraformOutput[] = [];
  const secrets = new Set<string>();
  for (const [name, entry] of Object.entries(raw as Record<string, { value?: unknown; sensitive?: boolean }>)) {
    const value = entry.value ?? null;
    const sensitive = entry.sensitive === true;
    const rendered = render(value);
    list.push({ name, value, sensitive, rendered });
    if (sensitive) {
      secrets.add(rendered);
      for (const leaf of leaves(value)) secrets.add(leaf);
    }
  }
  list.sort((a, b) => a.name.localeCompare(b.name));
  const values = Object.fromEntries(list.map((o) => [o.name, o.value]));
  return { list, values, secrets: [...secrets].filter((s) => s !== '') };
}

export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/**
 * Strings inside a value, so a secret in a map or list is masked piece by piece too. Numbers and
 * booleans inside a structure are not: masking every "1" or "80" would blank the rest of the log
 * (a sensitive output that is itself a number is masked whole, through its rendering).
 */
function leaves(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(leaves);
  if (typeof value === 'object' && value !== null) {
    return Object.values(value as Record<string, unknown>).flatMap(leaves);
  }
  return [];
}
