import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { ConfigError, loadConfigFile, parseConfigText } from '../../common/config/load.ts';
import { configKeys, presentKeys } from '../config-keys.ts';
import { configReference, exampleComments } from '../config-reference.ts';
import { EXAMPLE_CONFIG_PATH, EXAMPLE_ENV, exampleWithAllOptions } from '../example-config.ts';

void test('deploy/lookout.example.yml loads through loadConfigFile', () => {
  const config = loadConfigFile(EXAMPLE_CONFIG_PATH, { ...EXAMPLE_ENV });
  assert.deepEqual(
    config.cameras.map((camera) => camera.id),
    ['front_door', 'driveway'],
  );
  assert.equal(config.mqtt?.url, 'mqtt://127.0.0.1:1883');
  assert.equal(config.nats, undefined, 'NATS stays off until its lines are uncommented');
});

void test('the example needs its secrets from the environment and says which one is missing', () => {
  assert.throws(
    () => loadConfigFile(EXAMPLE_CONFIG_PATH, {}),
    (error: unknown) => error instanceof ConfigError && error.issues.some((issue) => issue.includes('FRONT_DOOR_PASSWORD')),
  );
});

void test('with every optional "#: " line switched on, the example still validates', () => {
  const config = parseConfigText(exampleWithAllOptions(), { env: { ...EXAMPLE_ENV }, file: 'lookout.example.yml (all options)' });
  assert.deepEqual(config.nats?.servers, ['nats://127.0.0.1:4222']);
  assert.equal(config.viewers.length, 1);
  assert.equal(config.http.token, EXAMPLE_ENV.LOOKOUT_HTTP_TOKEN);
});

void test('the example (all options on) mentions every key of the schema, and no key the schema lacks', () => {
  const present = presentKeys(parse(exampleWithAllOptions()));
  const schemaKeys = configKeys().map((key) => key.path);
  const missing = schemaKeys.filter((path) => !present.has(path));
  assert.deepEqual(missing, [], 'document these keys in deploy/lookout.example.yml');
  // Every documented leaf is a schema key (record maps such as label_scores are leaves).
  const known = new Set(schemaKeys);
  const extra = [...present].filter((path) => !known.has(path) && !schemaKeys.some((key) => key.startsWith(`${path}.`) || key.startsWith(`${path}[]`) || path.startsWith(`${key}.`)));
  assert.deepEqual(extra, []);
});

void test('values the example shows as defaults are the schema defaults', () => {
  const example = parse(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8')) as Record<string, unknown>;
  for (const key of configKeys()) {
    if (key.default === undefined || key.path.includes('[]')) continue;
    const value = key.path.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], example);
    if (value === undefined) continue;
    assert.deepEqual(value, key.default, `${key.path} in the example differs from the schema default`);
  }
});

void test('docs/configuration.md is the generated reference of the current schema (regenerate: see its header)', () => {
  const current = readFileSync(join(dirname(EXAMPLE_CONFIG_PATH), '..', 'docs', 'configuration.md'), 'utf8');
  assert.equal(current, configReference(), 'run: node --import tsx appliance/config-reference.ts > docs/configuration.md');
});

void test('every schema key has a description in the example', () => {
  const comments = exampleComments();
  const undocumented = configKeys()
    .map((key) => key.path)
    .filter((path) => !comments.get(path));
  assert.deepEqual(undocumented, []);
});
