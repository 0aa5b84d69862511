/**
 * A CodeDeploy blue/green deployment of an ECS service, from creation to its end: what to do
 * about one already running, the inline AppSpec, watching lifecycle events and traffic weights,
 * the test-traffic gate, and stopping with rollback on timeout, cancellation or failed checks.
 * One module per concern in codedeploy/ (create, watch, stop, explain); this is their public face.
 */
export { ACTIVE_STATUSES } from './codedeploy-states.js';
export { CANCEL_BUDGET_MS, ROLLBACK_WAIT_MS } from './bounded.js';
export {
  appSpec,
  deploymentDescription,
  deployWithCodeDeploy,
  MAX_DESCRIPTION_LENGTH,
  settleActiveDeployments,
} from './codedeploy/create.js';
export { deploymentConsoleUrl, type CodeDeployPlan } from './codedeploy/shared.js';
export { stopDeployment, waitForEnd } from './codedeploy/stop.js';
