import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectorDecoderSettings } from '../config/detector-decoder.ts';
import { parseConfig } from '../config/load.ts';

void test('detector.decoder: defaults match the old borrowed pipelines.* values, and the detector no longer follows pipelines.*', () => {
  const config = parseConfig({ pipelines: { stop_grace: '9s', backoff_initial: '7s', backoff_max: '70s' } }, { env: {} });
  assert.deepEqual(detectorDecoderSettings(config), { stopGraceMs: 3000, backoff: { initialMs: 1000, maxMs: 30_000, resetAfterMs: 60_000 } });
});

void test('detector.decoder: own values are read', () => {
  const config = parseConfig({ detector: { decoder: { stop_grace: '500ms', backoff_initial: '200ms', backoff_max: '2s', backoff_reset_after: '10s' } } }, { env: {} });
  assert.deepEqual(detectorDecoderSettings(config), { stopGraceMs: 500, backoff: { initialMs: 200, maxMs: 2000, resetAfterMs: 10_000 } });
});

void test('detector.decoder: bad values are refused naming the field', () => {
  assert.throws(() => parseConfig({ detector: { decoder: { backoff_initial: '10s', backoff_max: '1s' } } }, { env: {} }), /detector\.decoder\.backoff_max/);
  assert.throws(() => parseConfig({ detector: { decoder: { stop_grace: '1ms' } } }, { env: {} }), /detector\.decoder\.stop_grace/);
  assert.throws(() => parseConfig({ detector: { decoder: { restart: 1 } } }, { env: {} }), /detector\.decoder/);
});
