// Runs the longest test files first, so the suite does not end with one worker busy on a long file
// while the other idles. Jest's own order does that only with its timing cache: without it (a
// fresh CI machine, a renamed file) it goes by file size, and the longest files here are short
// ones that start servers or train. durations.json holds each file's seconds from a full run
// (2026-12-03 21:37 UTC, 2 workers, load average 6-13); a file not in it counts as a few seconds.
const Sequencer = require('@jest/test-sequencer').default;
const path = require('node:path');
const measured = require('./durations.json');

const ROOT = path.join(__dirname, '..', '..');
const UNMEASURED_SECONDS = 3;

class LongestFirstSequencer extends Sequencer {
  sort(tests) {
    const seconds = (test) => {
      const cachedMs = this.time(test);
      if (cachedMs != null) return cachedMs / 1000;
      return measured[path.relative(ROOT, test.path).split(path.sep).join('/')] ?? UNMEASURED_SECONDS;
    };
    return [...tests].sort((a, b) => {
      const failed = Number(this.hasFailed(b)) - Number(this.hasFailed(a));
      return failed !== 0 ? failed : seconds(b) - seconds(a);
    });
  }
}

module.exports = LongestFirstSequencer;
