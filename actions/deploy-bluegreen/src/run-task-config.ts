/** The run-task inputs, checked before any AWS call. */
import { ConfigurationError } from '../../../lib/errors.js';

const EXAMPLE = 'e.g. ["node", "migrate.js"] or ["/bin/sh", "-c", "npm run migrate"]';

/**
 * run-task-command: the container command override, a JSON array of strings (the `command` of a
 * container override); empty means no task. With register-only the service is still needed: its
 * network configuration is where the task runs.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerOverride.html
 */
export function parseRunTaskCommand(text: string, registerOnly: boolean, service?: string): string[] | undefined {
  if (text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(
      'run-task-command',
      text,
      `a JSON array of strings, ${EXAMPLE} (${(error as Error).message})`,
    );
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((a) => typeof a === 'string')) {
    throw new ConfigurationError('run-task-command', text, `a non-empty JSON array of strings, ${EXAMPLE}`);
  }
  if (parsed[0] === '') {
    throw new ConfigurationError('run-task-command', text, `a command whose first element names a program, ${EXAMPLE}`);
  }
  if (registerOnly && !service) {
    throw new ConfigurationError(
      'service',
      '',
      "run-task-command with register-only runs the task in a service's network configuration: set service to the ECS service whose subnets and security groups the task uses",
    );
  }
  return parsed as string[];
}
