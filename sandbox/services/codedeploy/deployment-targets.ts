/**
 * The targets of an ECS deployment (its one ECS service): ListDeploymentTargets,
 * GetDeploymentTarget, BatchGetDeploymentTargets.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentTarget.html
 */
import { AwsError, type ServiceHandlers } from '../../contracts.js';
import { DEPLOYMENT_BATCH_LIMIT, deploymentTarget, page } from './answers.js';
import type { Deployment } from './model.js';
import type { CodeDeployParts } from './store.js';

export function deploymentTargetHandlers({ deps, store }: CodeDeployParts): ServiceHandlers {
  return {
    ListDeploymentTargets(input) {
      const d = store.requireDeployment(input.deploymentId);
      if (d.status === 'Created')
        throw new AwsError('DeploymentNotStartedException', 'The specified deployment has not started.');
      const filters = (input.targetFilters ?? {}) as Record<string, string[]>;
      for (const name of Object.keys(filters)) {
        if (name !== 'TargetStatus' && name !== 'ServerInstanceLabel') {
          throw new AwsError('InvalidTargetFilterNameException', `The target filter name ${name} is not valid.`);
        }
      }
      const statusFilter = filters.TargetStatus;
      const ids = statusFilter && !statusFilter.includes(d.target.status) ? [] : [d.target.targetId];
      return page(ids, input.nextToken, 'targetIds');
    },

    GetDeploymentTarget(input) {
      const d = store.requireDeployment(input.deploymentId);
      requireTarget(d, input.targetId);
      return { deploymentTarget: deploymentTarget(deps, store, d) };
    },

    BatchGetDeploymentTargets(input) {
      const d = store.requireDeployment(input.deploymentId);
      const ids = (input.targetIds as string[] | undefined) ?? [];
      if (ids.length > DEPLOYMENT_BATCH_LIMIT) {
        throw new AwsError(
          'DeploymentTargetListSizeExceededException',
          'The maximum number of targets that can be associated with an Amazon ECS or AWS Lambda deployment was exceeded.',
        );
      }
      for (const id of ids) requireTarget(d, id);
      return { deploymentTargets: ids.map(() => deploymentTarget(deps, store, d)) };
    },
  };
}

function requireTarget(d: Deployment, targetId: unknown): void {
  if (typeof targetId !== 'string' || targetId === '') {
    throw new AwsError('DeploymentTargetIdRequiredException', 'A deployment target ID was not provided.');
  }
  if (targetId !== d.target.targetId) {
    throw new AwsError(
      'DeploymentTargetDoesNotExistException',
      `The deployment target ${targetId} does not exist in deployment ${d.deploymentId}.`,
    );
  }
}
