// Jest reporter: after the run, lists every skipped test loudly and prints the plain totals
// line `N passed, M failed, K skipped`, so a run that executed no test shows. With
// TEST_TOTALS_FILE set it also writes that line there (.ci/run prints it last).
import { writeFileSync } from 'node:fs';

export default class TotalsReporter {
  onRunComplete(_contexts, results) {
    const skipped = [];
    for (const file of results.testResults) {
      for (const t of file.testResults) {
        if (t.status === 'pending' || t.status === 'skipped' || t.status === 'todo') skipped.push(t.fullName);
      }
    }
    if (skipped.length) {
      console.log(`\n!!! ${skipped.length} test(s) SKIPPED (see the reasons printed above):`);
      for (const name of skipped) console.log(`!!!   skipped: ${name}`);
    }
    // A suite that never ran (a crash in the transformer, a missing module) must not read as a pass.
    const suitesNotRun =
      results.numTotalTestSuites -
      results.numPassedTestSuites -
      results.numFailedTestSuites -
      results.numPendingTestSuites;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites + Math.max(0, suitesNotRun);
    const line = `${results.numPassedTests} passed, ${failed} failed, ${skipped.length} skipped`;
    console.log(`\n${line}`);
    if (process.env.TEST_TOTALS_FILE) writeFileSync(process.env.TEST_TOTALS_FILE, `${line}\n`);
  }
}
