/**
 * What a deploy-bluegreen run needs once its inputs are valid: the AWS clients and the logic.
 * main.ts loads this module with import(), so a run stopped by its inputs loads none of it.
 */
export { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
export { CodeDeployClient } from '@aws-sdk/client-codedeploy';
export { ECSClient } from '@aws-sdk/client-ecs';
export { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
export { deploy, newReport } from './deploy.js';
export { checkTestTraffic } from './test-traffic.js';
