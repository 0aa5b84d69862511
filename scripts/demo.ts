/**
 * `npm run demo`: rehearses a whole release (init, a deploy with a linear traffic shift under
 * load, a no-op deploy, a broken build that rolls back, destroy) on the local AWS sandbox, with no
 * AWS account. See scripts/demo/run.ts. Exits 0 only when every phase behaved as expected.
 * SANDBOX_TIME_SCALE (default 60) sets AWS seconds per real second; DEMO_VERBOSE=1 shows every
 * action log line; DEMO_RECORD_DIR=<folder> records the sandbox's answers to the actions' read calls
 * after each phase, for scripts/aws-compare.ts.
 */
import { Demo } from './demo/run.js';

// The SDK's notice that its 2027 releases need Node 22 says nothing about the demo.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const timeScale = Number(process.env.SANDBOX_TIME_SCALE || 60);
if (!Number.isFinite(timeScale) || timeScale <= 0) {
  console.error(`SANDBOX_TIME_SCALE must be a positive number, got ${process.env.SANDBOX_TIME_SCALE}`);
  process.exit(2);
}
const demo = new Demo({
  timeScale,
  verbose: process.env.DEMO_VERBOSE === '1',
  recordDir: process.env.DEMO_RECORD_DIR || undefined,
});

// Ctrl-C: stop the action in flight, the load loop, every task and listener, then exit.
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: stopping the demo (the sandbox, its tasks and listeners)...`);
    void demo.stop().finally(() => process.exit(130));
  });
}

try {
  const result = await demo.run();
  process.exitCode = result.ok ? 0 : 1;
} catch (error) {
  console.error(`The demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await demo.stop();
  process.exitCode = 1;
}
