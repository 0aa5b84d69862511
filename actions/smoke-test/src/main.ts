/** smoke-test: inputs -> HTTP checks -> outputs and summary. */
import { runAction } from '../../../lib/action.js';
import { ActionFailure } from '../../../lib/errors.js';
import { runHttpChecks } from '../../../lib/http-checks.js';
import { parseConfig } from './config.js';
import { phaseTwoLine, writeReport } from './report.js';

export function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return runAction(
    'smoke-test',
    async ({ inputs, logger, summary, signal, setOutput }) => {
      const config = parseConfig(inputs);
      const expectations = [`status ${config.expectStatus}`, ...[...config.expectJson].map(([k, v]) => `${k}=${v}`)];
      const result = await logger.group(
        `Waiting up to ${config.timeoutMs / 1000} s for GET ${config.url.replace(/\/$/, '')}${config.path} to answer with ${expectations.join(', ')}`,
        () => runHttpChecks(config, { logger, signal }),
      );
      if (result.requests.sent > 0) logger.info(phaseTwoLine(config, result));

      setOutput('passed', result.passed);
      setOutput('status', result.status ?? '');
      setOutput('p50-ms', result.p50Ms ?? '');
      setOutput('p95-ms', result.p95Ms ?? '');
      setOutput('hosts', JSON.stringify(result.hosts));
      setOutput('attempts', result.attempts);
      setOutput('requests-per-second', result.requests.sent ? result.requestsPerSecond : '');
      writeReport(summary, config, result);

      if (!result.passed) throw new ActionFailure(`Smoke test failed. ${result.message ?? ''}`.trim());
    },
    env,
  );
}
