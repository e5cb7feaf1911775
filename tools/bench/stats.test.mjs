// node --test tools/bench/  (the benchmark is not part of `npm test`; its arithmetic is checked here)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countBy, medianPerSecond, percentile, ratePerSecond, ratio, summarize } from './stats.mjs';

test('nearest-rank percentiles', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 95), 95);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile(sorted, 100), 100);
  assert.equal(percentile([7], 99), 7);
  assert.equal(percentile([], 50), null);
});

test('summarize sorts, counts and ignores non-numbers', () => {
  const s = summarize([5, 1, NaN, 3, 2, 4]);
  assert.deepEqual(s, { count: 5, min: 1, p50: 3, p95: 5, p99: 5, max: 5, mean: 3 });
  assert.equal(summarize([]).count, 0);
});

test('the tail is not hidden by the median', () => {
  const samples = [...Array(990).fill(10), ...Array(10).fill(1000)];
  const s = summarize(samples);
  assert.equal(s.p50, 10);
  assert.equal(s.p99, 10);
  assert.equal(summarize([...samples, 1000]).p99, 1000);
});

test('rates, counts and ratios', () => {
  assert.deepEqual(countBy([202, 202, 201, 'error']), { 202: 2, 201: 1, error: 1 });
  assert.equal(ratePerSecond(500, 0, 2000), 250);
  assert.equal(ratePerSecond(1, 5, 5), null);
  assert.equal(ratio(1, 4), 0.25);
  assert.equal(ratio(1, 0), null);
  assert.equal(ratio(null, 3), null);
});

test('median events per second ignores the ragged ends', () => {
  const stamps = [];
  for (let s = 0; s < 10; s++) for (let i = 0; i < (s === 0 ? 3 : 100); i++) stamps.push(s * 1000 + i);
  stamps.push(10_500);
  assert.equal(medianPerSecond(stamps), 100);
});
