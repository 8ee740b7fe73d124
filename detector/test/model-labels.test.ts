import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ModelError } from '../model/errors.ts';
import { parseNamesMetadata, readLabelsFile } from '../model/labels.ts';
import { readOnnxMetadata } from '../model/onnx-metadata.ts';

const MODELS = new URL('../../test/fixtures/models/', import.meta.url);

void test('Ultralytics names metadata (Python dict literal) and JSON style', () => {
  assert.deepEqual(parseNamesMetadata("{0: 'person', 1: 'car', 2: 'traffic light'}"), ['person', 'car', 'traffic light']);
  assert.deepEqual(parseNamesMetadata('{"0": "person", "1": "it\'s"}'), ['person', "it's"]);
  assert.deepEqual(parseNamesMetadata("{0: 'a', 2: 'c'}"), ['a', 'class1', 'c']);
  assert.throws(() => parseNamesMetadata('person,car'), ModelError);
});

void test('labels file: one per line, trailing blank lines ignored, missing file named', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lookout-labels-'));
  try {
    const file = join(dir, 'labels.txt');
    await writeFile(file, 'person\r\ncar\n\n');
    assert.deepEqual(await readLabelsFile(file), ['person', 'car']);
    await assert.rejects(readLabelsFile(join(dir, 'nope.txt')), (e: unknown) => e instanceof ModelError && e.message.includes('nope.txt'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

void test('metadata is read from the committed test models', async () => {
  const meta = await readOnnxMetadata(new URL('boxes-yolov8.onnx', MODELS).pathname);
  assert.equal(meta.names, "{0: 'person', 1: 'car'}");
  assert.equal(meta.task, 'detect');
  const bare = await readOnnxMetadata(new URL('boxes-yolov8-nonames.onnx', MODELS).pathname);
  assert.equal(bare.names, undefined);
  assert.deepEqual(await readLabelsFile(new URL('boxes.labels.txt', MODELS).pathname), ['person', 'car']);
});

void test('a file that is not ONNX is refused with its path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lookout-labels-'));
  try {
    const file = join(dir, 'junk.onnx');
    await writeFile(file, Buffer.from([0x0f, 0xff, 0xff]));
    await assert.rejects(readOnnxMetadata(file), (e: unknown) => e instanceof ModelError && e.message.includes('junk.onnx'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
