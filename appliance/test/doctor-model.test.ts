import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { parseConfig } from '../../common/config/load.ts';
import { DEMO_MODEL_PATH } from '../../detector/model/demo-model.ts';
import { checkModel, modelPath, type CheckContext } from '../doctor-checks.ts';

const context = (raw: Record<string, unknown>): CheckContext => ({
  config: parseConfig(raw, { env: {} }),
  env: {},
  timeoutMs: 5000,
  devDri: '/nonexistent',
});

void test('without detector.model the bundled demo model (outside test/) is used, loads, and doctor warns that it is the demo', async () => {
  assert.ok(!DEMO_MODEL_PATH.includes('/test/'), DEMO_MODEL_PATH);
  assert.ok(existsSync(DEMO_MODEL_PATH), `${DEMO_MODEL_PATH} is missing`);
  const ctx = context({});
  assert.equal(modelPath(ctx), DEMO_MODEL_PATH);
  const report = await checkModel(ctx);
  assert.equal(report.status, 'warn', report.detail);
  assert.match(report.detail, /demo model/);
  assert.match(report.detail, /inputs images; outputs output0/);
});

void test('a configured model that does not exist fails and names the path', async () => {
  const report = await checkModel(context({ detector: { model: '/nonexistent/model.onnx' } }));
  assert.equal(report.status, 'fail');
  assert.match(report.detail, /\/nonexistent\/model\.onnx: no such file/);
});
