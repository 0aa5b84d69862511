/**
 * ECS task definitions through the API: register, describe (tags only with include TAGS), list,
 * list families and deregister; the rules live in the registry (ecs-taskdefs.ts).
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTaskDefinition.html
 */
import { AwsError, type ServiceHandlers } from '../contracts.js';
import { requireStr, strList } from '../protocol.js';
import type { TaskDefinitionRegistry } from './ecs-taskdefs.js';

export function taskDefinitionHandlers(taskDefinitions: TaskDefinitionRegistry): ServiceHandlers {
  return {
    RegisterTaskDefinition(input) {
      const definition = taskDefinitions.register(input);
      return { taskDefinition: taskDefinitions.describe(definition), tags: definition.tags };
    },

    DescribeTaskDefinition(input) {
      const ref = requireStr(input, 'taskDefinition', 'ClientException');
      const definition = taskDefinitions.find(ref);
      if (!definition) throw new AwsError('ClientException', 'Unable to describe task definition.');
      const include = strList(input, 'include') ?? [];
      return {
        taskDefinition: taskDefinitions.describe(definition),
        ...(include.includes('TAGS') ? { tags: definition.tags } : {}),
      };
    },

    ListTaskDefinitions(input) {
      return taskDefinitions.list(input);
    },

    ListTaskDefinitionFamilies(input) {
      return taskDefinitions.listFamilies(input);
    },

    DeregisterTaskDefinition(input) {
      const definition = taskDefinitions.deregister(requireStr(input, 'taskDefinition', 'ClientException'));
      return { taskDefinition: taskDefinitions.describe(definition) };
    },
  };
}
