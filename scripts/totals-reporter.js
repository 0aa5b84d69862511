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
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `${results.numPassedTests} passed, ${failed} failed, ${skipped.length} skipped`;
    console.log(`\n${line}`);
    if (process.env.TEST_TOTALS_FILE) writeFileSync(process.env.TEST_TOTALS_FILE, `${line}\n`);
  }
}
