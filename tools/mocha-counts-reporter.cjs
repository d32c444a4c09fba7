// Mocha's spec output, plus the pass/fail counts written to $MOCHA_COUNTS_FILE for tools/summary.ts.
const fs = require("node:fs");
const Mocha = require("mocha");

class CountsReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.MOCHA_COUNTS_FILE;
      if (!file) return;
      const { passes, failures, pending } = this.stats;
      fs.writeFileSync(file, JSON.stringify({ passed: passes, failed: failures + pending }));
    });
  }
}

module.exports = CountsReporter;
