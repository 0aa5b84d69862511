/**
 * The sandbox's CodeDeploy: applications, deployment groups, deployment configs and ECS
 * blue/green deployments run by the engine in ./codedeploy/engine.ts. This file only assembles
 * the parts in ./codedeploy/: one handler module per resource over one shared store.
 *
 * Operations, fields and errors follow the CodeDeploy API reference:
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_Operations.html
 * Error messages are AWS's where known (quoted from AWS answers), otherwise written in its style.
 */
import type { CodeDeployDeps, CodeDeployService, ServiceHandlers } from '../contracts.js';
import { appInfo, deploymentInfo, deploymentTarget, groupInfo, lastInfo } from './codedeploy/answers.js';
import { applicationHandlers } from './codedeploy/applications.js';
import { configInfo } from './codedeploy/configs.js';
import { deploymentConfigHandlers } from './codedeploy/deployment-configs.js';
import { deploymentGroupHandlers } from './codedeploy/deployment-groups.js';
import { deploymentTargetHandlers } from './codedeploy/deployment-targets.js';
import { deploymentHandlers } from './codedeploy/deployments.js';
import { DeploymentEngine } from './codedeploy/engine.js';
import { CodeDeployStore, type CodeDeployParts } from './codedeploy/store.js';
import { tagHandlers } from './codedeploy/tags.js';

export function createCodeDeployService(deps: CodeDeployDeps): CodeDeployService {
  const store = new CodeDeployStore();

  const engine = new DeploymentEngine({
    deps,
    group: (app, group) => store.findGroup(app, group),
    register(deployment) {
      store.deployments.set(deployment.deploymentId, deployment);
      const group = store.findGroup(deployment.applicationName, deployment.deploymentGroupName);
      if (group) group.lastAttemptedDeployment = lastInfo(deployment);
    },
    finished(deployment) {
      const group = store.findGroup(deployment.applicationName, deployment.deploymentGroupName);
      if (!group) return;
      if (group.lastAttemptedDeployment?.deploymentId === deployment.deploymentId) {
        group.lastAttemptedDeployment = lastInfo(deployment);
      }
      if (deployment.status === 'Succeeded') {
        group.lastSuccessfulDeployment = lastInfo(deployment);
        group.targetRevision = deployment.revision;
      }
    },
  });

  const parts: CodeDeployParts = { deps, store, engine };
  const handlers: ServiceHandlers = {
    ...applicationHandlers(parts),
    ...deploymentGroupHandlers(parts),
    ...deploymentConfigHandlers(parts),
    ...deploymentHandlers(parts),
    ...deploymentTargetHandlers(parts),
    ...tagHandlers(parts),
  };

  return {
    handlers,
    state() {
      return {
        applications: [...store.applications.values()].map(appInfo),
        deploymentGroups: [...store.groups.values()].map(groupInfo),
        deploymentConfigs: [...store.configs.values()].filter((c) => !c.predefined).map(configInfo),
        deployments: [...store.deployments.values()].map((d) => ({
          ...deploymentInfo(d),
          deploymentTarget: deploymentTarget(deps, store, d),
        })),
      };
    },
    stop: () => engine.stopAll(),
  };
}
