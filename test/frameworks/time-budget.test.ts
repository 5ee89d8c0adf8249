import { TimeBudget } from '../../lib/frameworks/run/time-budget';

function clock(startMs: number) {
  let remaining = startMs;
  return { remaining: () => remaining, spend: (ms: number) => { remaining -= ms; } };
}

test('hands over when less than three typical steps plus the checkpoint remain', () => {
  const c = clock(900_000);
  const budget = new TimeBudget(c.remaining, 1000);
  expect(budget.shouldHandOver()).toBe(false);
  c.spend(800_000);
  budget.recordStep(2000);
  expect(budget.reserveMs()).toBe(90_000); // 10% of the invocation dominates 3 × 2 s + 1 s
  expect(budget.shouldHandOver()).toBe(false);
  c.spend(20_000);
  expect(budget.shouldHandOver()).toBe(true);
});

test('one slow step (waiting for a cold start) does not make every invocation hand over at once', () => {
  const c = clock(4000);
  const budget = new TimeBudget(c.remaining, 1000);
  budget.recordStep(1500); // waited for the peer's new invocation
  c.spend(1500);
  for (let i = 0; i < 10; i++) { budget.recordStep(20); c.spend(20); }
  expect(budget.shouldHandOver()).toBe(false);
  expect(budget.reserveMs()).toBeLessThanOrEqual(2000); // never more than half the invocation
});

test('always takes at least one step, even with almost no time left', () => {
  const c = clock(10);
  const budget = new TimeBudget(c.remaining, 1000);
  expect(budget.shouldHandOver()).toBe(false); // no step yet: never hand over
  budget.recordStep(8);
  c.spend(8);
  expect(budget.shouldHandOver()).toBe(true); // 2 ms left, reserve capped at 5 ms
});
