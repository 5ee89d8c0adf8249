import path from 'node:path';

// The suite's sequencer starts the longest files first: jest's own timings when it has them,
// else the measured seconds in durations.json, else a few seconds; files that failed last time
// still come first.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Sequencer = require('./sequencer.js') as new () => { sort(tests: object[]): { path: string }[]; _cache: Map<object, Record<string, [number, number]>> };

const ROOT = path.join(__dirname, '..', '..');
const context = { config: { cache: false } };
const test_ = (rel: string) => ({ path: path.join(ROOT, rel), context });
const order = (sequencer: InstanceType<typeof Sequencer>, rels: string[]) => sequencer.sort(rels.map(test_)).map((t) => path.relative(ROOT, t.path));

test('without jest timings, the measured durations order the files, an unmeasured one counting 3 s', () => {
  // durations.json: template-integrity 178 s, MNIST 52 s, ps 27 s, idx 2 s.
  expect(order(new Sequencer(), ['test/ml/idx.test.ts', 'test/ml/not-measured.test.ts', 'test/mnist/accuracy.test.ts', 'test/packaging/template-integrity.test.ts', 'test/ps/run.test.ts']))
    .toEqual(['test/packaging/template-integrity.test.ts', 'test/mnist/accuracy.test.ts', 'test/ps/run.test.ts', 'test/ml/not-measured.test.ts', 'test/ml/idx.test.ts']);
});

test("jest's own timings win over the table, and a file that failed last time goes first", () => {
  const sequencer = new Sequencer();
  // [0 = failed | 1 = passed, milliseconds] as jest's perf cache keeps them.
  sequencer._cache.set(context, {
    [path.join(ROOT, 'test/ml/idx.test.ts')]: [1, 500_000],
    [path.join(ROOT, 'test/cli/cli.test.ts')]: [0, 1000],
  });
  expect(order(sequencer, ['test/mnist/accuracy.test.ts', 'test/ml/idx.test.ts', 'test/cli/cli.test.ts']))
    .toEqual(['test/cli/cli.test.ts', 'test/ml/idx.test.ts', 'test/mnist/accuracy.test.ts']);
});
