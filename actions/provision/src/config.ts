/** provision inputs, parsed and validated before terraform runs. */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigurationError } from '../../../lib/errors.js';
import type { Inputs } from '../../../lib/inputs.js';

export type ProvisionCommand = 'plan' | 'apply' | 'destroy' | 'output';

export interface ProvisionConfig {
  /** Absolute path of the stack. */
  workingDirectory: string;
  command: ProvisionCommand;
  backendConfig: Map<string, string>;
  /** Terraform variables, written to a generated -var-file, never put on a command line. */
  variables: Record<string, unknown>;
  varFiles: string[];
  /** As terraform takes it, e.g. 5m. */
  lockTimeout: string;
  confirm?: string;
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function parseConfig(inputs: Inputs, workspace: string): ProvisionConfig {
  const dirInput = inputs.string(
    'working-directory',
    'the folder of the Terraform stack, e.g. terraform/stacks/service',
  );
  const workingDirectory = path.resolve(workspace, dirInput);
  if (!isDirectory(workingDirectory)) {
    throw new ConfigurationError('working-directory', dirInput, `an existing folder (nothing at ${workingDirectory})`);
  }
  const command = inputs.oneOf('command', ['plan', 'apply', 'destroy', 'output'] as const, 'plan');
  const confirm = inputs.optionalString('confirm');
  const stackName = path.basename(workingDirectory);
  if (command === 'destroy' && confirm !== stackName) {
    throw new ConfigurationError(
      'confirm',
      confirm ?? '',
      `destroy needs confirm set to the stack's folder name '${stackName}'`,
    );
  }

  const lockTimeoutMs = inputs.duration('lock-timeout', { unit: 's', minMs: 0, maxMs: 3_600_000, fallbackMs: 300_000 });
  const varFiles = inputs.lines('var-files').map((file) => {
    const resolved = path.resolve(workspace, file);
    try {
      statSync(resolved);
    } catch {
      throw new ConfigurationError('var-files', file, `paths of existing files (nothing at ${resolved})`);
    }
    return resolved;
  });

  return {
    workingDirectory,
    command,
    backendConfig: inputs.keyValues('backend-config', { what: 'key=value, e.g. bucket=my-state-bucket' }),
    variables: parseVariables(inputs),
    varFiles,
    lockTimeout: `${Math.round(lockTimeoutMs / 1000)}s`,
    confirm,
  };
}

/** `variables` is either a JSON object or multiline name=value lines. */
function parseVariables(inputs: Inputs): Record<string, unknown> {
  const raw = inputs.raw('variables');
  if (raw.startsWith('{')) {
    const parsed = inputs.json('variables', 'a JSON object of variable names to values, or name=value lines');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigurationError('variables', raw, 'a JSON object of variable names to values');
    }
    for (const name of Object.keys(parsed)) {
      if (!VARIABLE_NAME.test(name))
        throw new ConfigurationError(
          'variables',
          name,
          'Terraform variable names (letters, digits, _ and -, not starting with a digit)',
        );
    }
    return parsed as Record<string, unknown>;
  }
  const lines = inputs.keyValues('variables', { keyPattern: VARIABLE_NAME, what: 'name=value' });
  return Object.fromEntries(lines);
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
