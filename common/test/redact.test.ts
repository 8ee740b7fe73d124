import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SecretRegistry, redactText } from '../redact.ts';

void test('URL passwords and secret query values are redacted', () => {
  assert.equal(redactText('rtsp://admin:hunter2@10.0.0.5:554/s1'), 'rtsp://admin:***@10.0.0.5:554/s1');
  assert.equal(redactText('open http://cam/x.mjpg?user=a&password=p4ss&x=1'), 'open http://cam/x.mjpg?user=a&password=***&x=1');
  assert.equal(redactText('rtsp://cam.local/s1'), 'rtsp://cam.local/s1');
  assert.equal(redactText('Input #0, rtsp, from \'rtsps://u:p@h/x?token=abc\':'), "Input #0, rtsp, from 'rtsps://u:***@h/x?token=***':");
});

void test('registered literal secrets are removed anywhere', () => {
  const registry = new SecretRegistry();
  registry.add('s3cr3t-publish');
  assert.equal(registry.redact('publishing with s3cr3t-publish now'), 'publishing with *** now');
  registry.delete('s3cr3t-publish');
  assert.equal(registry.redact('s3cr3t-publish'), 's3cr3t-publish');
});
