/** deploy-bluegreen: inputs -> logic -> outputs and summary. */
import * as core from '../../../lib/workflow-commands.js';
import { runAction } from '../../../lib/action.js';
import { awsClientConfig, labelOperations } from '../../../lib/aws.js';
import { systemClock } from '../../../lib/cancel.js';
import { parseConfig } from './config.js';
import { templateFormat } from './template-text.js';
import type { DeployReport } from './deploy.js';
import { deployOutputs, failureOutputs } from './outputs.js';
import type { DeployDeps } from './deps.js';
import { writeReport } from './report.js';
import { runTaskOutputs } from './run-task-outputs.js';
import { valuesToMask } from './taskdef.js';

export function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return runAction(
    'deploy-bluegreen',
    async ({ inputs, logger, summary, signal, setOutput }) => {
      // The YAML parser is most of what the entry file would load: only a YAML template loads it.
      const parseYaml =
        templateFormat(inputs.raw('task-definition')) === 'yaml'
          ? (await import('./template-yaml.lazy.js')).parseYamlTemplate
          : undefined;
      const config = parseConfig(inputs, env.GITHUB_WORKSPACE ?? process.cwd(), parseYaml);
      for (const value of valuesToMask(config.environment)) core.setSecret(value);
      const clientConfig = awsClientConfig(env, 'deploy-bluegreen');
      // Loaded once the inputs are valid: the AWS SDK is most of the bundle's start-up.
      const {
        CloudWatchLogsClient,
        CodeDeployClient,
        ECSClient,
        ElasticLoadBalancingV2Client,
        checkTestTraffic,
        deploy,
        newReport,
      } = await import('./deploy.lazy.js');
      const deps: DeployDeps = {
        ecs: labelOperations(new ECSClient(clientConfig)),
        codedeploy: labelOperations(new CodeDeployClient(clientConfig)),
        logs: labelOperations(new CloudWatchLogsClient(clientConfig)),
        elbv2: labelOperations(new ElasticLoadBalancingV2Client(clientConfig)),
        commit: env.GITHUB_SHA,
        clock: systemClock,
        logger,
        signal,
        region: clientConfig.region,
        saveState: (name, value) => core.saveState(name, value),
      };
      if (config.mode === 'deploy') {
        // The post step needs it to stop a deployment this step could not.
        core.saveState('rollback-on-cancel', String(config.rollbackOnCancel));
        deps.checkTestTraffic = (url, checkSignal) =>
          checkTestTraffic(
            url,
            {
              path: config.testPath,
              expectJson: config.testExpectJson,
              requests: config.testRequests,
              timeoutMs: config.testTimeoutMs,
            },
            checkSignal,
            logger,
          );
      }
      const report: DeployReport = newReport(config, clientConfig.region);
      try {
        const result = await deploy(config, deps, report);
        const outputs = deployOutputs(result);
        for (const [name, value] of Object.entries({ ...outputs, ...runTaskOutputs(report) })) setOutput(name, value);
        writeReport(summary, { ...report, outputs });
      } catch (error) {
        for (const [name, value] of Object.entries(failureOutputs(report))) setOutput(name, value);
        writeReport(summary, report, error instanceof Error ? error.message : String(error));
        throw error;
      }
    },
    env,
  );
}
