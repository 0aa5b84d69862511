/**
 * The post step (runs with `post-if: always()`): reads what the main step saved and, only when a
 * deployment may still be running, loads the AWS clients and stops it (cleanup.ts).
 */
import * as core from '../../../lib/workflow-commands.js';
import { runAction } from '../../../lib/action.js';
import { awsClientConfig, labelOperations } from '../../../lib/aws.js';
import { systemClock } from '../../../lib/cancel.js';
import { STATE } from './deps.js';
import { writePostReport } from './report.js';
import { NOTHING_TO_DO, type SavedState } from './saved-state.js';

export function runPost(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return runAction(
    'deploy-bluegreen (post)',
    async ({ logger, summary }) => {
      const state: SavedState = {
        kind: core.getState(STATE.kind) || undefined,
        id: core.getState(STATE.id) || undefined,
        finished: core.getState(STATE.finished) || undefined,
        rollbackOnCancel: core.getState('rollback-on-cancel') || undefined,
        stopFailed: core.getState(STATE.stopFailed) || undefined,
      };
      // It runs after every job now (post-if: always()): say nothing where there is nothing to do.
      if (!state.id || state.finished === 'true') {
        logger.debug(NOTHING_TO_DO);
        return;
      }
      const { CodeDeployClient, ECSClient, followRollback, stopLeftoverDeployment } = await import('./cleanup.lazy.js');
      const config = awsClientConfig(env, 'deploy-bluegreen');
      const clients = {
        ecs: labelOperations(new ECSClient(config)),
        codedeploy: labelOperations(new CodeDeployClient(config)),
      };
      const line = await stopLeftoverDeployment(state, clients, logger, systemClock);
      if (line.startsWith('Stopped')) {
        // A person must see this one: the main step did not finish, and this step changed production.
        const rollback = await followRollback(state, clients, systemClock);
        logger.warning(`${line} Rollback: ${rollback.phrase}.`);
        writePostReport(
          summary,
          rollback.done ? 'warning' : 'failure',
          `stopped deployment ${state.id}, which the main step left running — ${rollback.phrase}`,
        );
      } else if (line.includes('left alone')) {
        logger.warning(line);
        writePostReport(summary, 'warning', line);
      } else {
        logger.info(line);
      }
    },
    env,
  );
}
