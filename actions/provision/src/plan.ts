/**
 * Reads a saved plan as `terraform show -json` prints it, never terraform's human text: which
 * resources are added, changed, replaced, destroyed or forgotten, and whether anything changes.
 * https://developer.hashicorp.com/terraform/internals/json-format (plan representation, change actions)
 */
import { ActionFailure } from '../../../lib/errors.js';

/** `move` and `import`: a no-op on the object itself that still has to be written to state. */
export type ResourceAction = 'add' | 'change' | 'replace' | 'destroy' | 'forget' | 'move' | 'import';

export interface PlannedResource {
  address: string;
  type: string;
  action: ResourceAction;
}

export interface PlanSummary {
  resources: PlannedResource[];
  /** Terraform's own counts: a replacement is one add and one destroy. */
  add: number;
  change: number;
  destroy: number;
  replace: number;
  forget: number;
  /** Root outputs whose value changes (they need an apply too). */
  outputChanges: string[];
  /** True when applying the plan would change anything: resources or outputs. */
  changed: boolean;
  /** e.g. `2 to add, 0 to change, 1 to destroy` (the plan-summary output). */
  text: string;
}

interface JsonChange {
  actions?: string[];
  importing?: unknown;
}

interface JsonPlan {
  resource_changes?: {
    address?: string;
    previous_address?: string;
    mode?: string;
    type?: string;
    change?: JsonChange;
  }[];
  output_changes?: Record<string, JsonChange>;
}

/** Maps a change's action list to one word; undefined for no-op and read (nothing changes). */
export function classify(actions: readonly string[]): ResourceAction | undefined {
  const key = actions.join(',');
  switch (key) {
    case 'create':
      return 'add';
    case 'update':
      return 'change';
    case 'delete':
      return 'destroy';
    case 'delete,create':
    case 'create,delete':
      return 'replace';
    case 'forget':
    case 'create,forget':
      return 'forget';
    case 'no-op':
    case 'read':
    case '':
      return undefined;
    default:
      throw new ActionFailure(`terraform show -json reported change actions this action does not know: [${key}]`);
  }
}

export function summarizePlan(showJson: string): PlanSummary {
  let plan: JsonPlan;
  try {
    plan = JSON.parse(showJson) as JsonPlan;
  } catch (error) {
    throw new ActionFailure(`terraform show -json did not print JSON (${(error as Error).message})`);
  }
  const resources: PlannedResource[] = [];
  for (const rc of plan.resource_changes ?? []) {
    // Data sources are read, never changed.
    if (rc.mode === 'data') continue;
    // A `moved` or `import` block plans a no-op on the object, but the state still changes.
    const action =
      classify(rc.change?.actions ?? []) ??
      (rc.change?.importing ? 'import' : rc.previous_address ? 'move' : undefined);
    if (action) resources.push({ address: rc.address ?? '?', type: rc.type ?? '', action });
  }
  const count = (a: ResourceAction) => resources.filter((r) => r.action === a).length;
  const replace = count('replace');
  const add = count('add') + replace;
  const change = count('change');
  const destroy = count('destroy') + replace;
  const forget = count('forget');
  const moved = count('move');
  const imported = count('import');
  const outputChanges = Object.entries(plan.output_changes ?? {})
    .filter(([, c]) => classify(c.actions ?? []) !== undefined)
    .map(([name]) => name)
    .sort();
  let text = `${add} to add, ${change} to change, ${destroy} to destroy`;
  if (imported > 0) text += `, ${imported} to import`;
  if (moved > 0) text += `, ${moved} to move`;
  if (forget > 0) text += `, ${forget} to forget`;
  return {
    resources,
    add,
    change,
    destroy,
    replace,
    forget,
    outputChanges,
    changed: resources.length > 0 || outputChanges.length > 0,
    text,
  };
}

const ORDER: ResourceAction[] = ['add', 'change', 'replace', 'destroy', 'forget', 'import', 'move'];

/** Rows for the job summary table: grouped by action in a fixed order, then by address. */
export function planRows(summary: PlanSummary): [string, string, string][] {
  return [...summary.resources]
    .sort((a, b) => ORDER.indexOf(a.action) - ORDER.indexOf(b.action) || a.address.localeCompare(b.address))
    .map((r) => [r.action, `\`${r.address}\``, r.type]);
}
