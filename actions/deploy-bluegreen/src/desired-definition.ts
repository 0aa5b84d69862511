/** The desired task definition: the base (template or running revision) with the inputs applied. */
import type { DeployConfig } from './config.js';
import type { DeployDeps } from './deps.js';
import { renderTaskDefinition, type TaskDefinitionDoc, withoutEmptyEnvironment } from './taskdef.js';

/** Renders a base definition; `source` names where the base came from, for error messages. */
export type RenderDesired = (base: unknown, source: string) => TaskDefinitionDoc;

/** A renderer that warns once per run about each environment variable ECS would drop. */
export function desiredRenderer(config: DeployConfig, deps: Pick<DeployDeps, 'logger' | 'region'>): RenderDesired {
  const warned = new Set<string>();
  return (base, source) => {
    const rendered = renderTaskDefinition(base, {
      containerName: config.containerName,
      image: config.image,
      environment: config.environment,
      executionRoleArn: config.executionRoleArn,
      taskRoleArn: config.taskRoleArn,
      logGroup: config.logGroup,
      region: deps.region,
      containerPort: config.containerPort,
      source,
    });
    // Left out before comparing and registering: ECS would drop them anyway, and keeping them
    // would make every run look like a change.
    const { definition, dropped } = withoutEmptyEnvironment(rendered);
    for (const name of dropped.filter((n) => !warned.has(n))) {
      warned.add(name);
      deps.logger.warning(`ECS does not keep ${name} with an empty value; left out`);
    }
    return definition;
  };
}
