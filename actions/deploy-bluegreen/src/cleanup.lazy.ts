/**
 * What the post step needs only when a deployment may still be running: the AWS clients and
 * cleanup.ts. post-main.ts loads this module with import(), so a job that ended cleanly (most of
 * them) loads no AWS SDK in its post step.
 */
export { CodeDeployClient } from '@aws-sdk/client-codedeploy';
export { ECSClient } from '@aws-sdk/client-ecs';
export { followRollback, stopLeftoverDeployment } from './cleanup.js';
