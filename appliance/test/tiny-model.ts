import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The smallest real ONNX model (one Identity node, `images` → `output0`, float 1x3x8x8), committed as
 * a fixture so tests can exercise onnxruntime-node's loader without the detector's bundled model and
 * without any Python module. scripts/models/make-tiny-model.py made it; tests never run that script.
 */
export const TINY_MODEL = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'models', 'tiny-identity.onnx');

/** Puts a copy of the tiny model at `path` (tests write it into their own temp directory). */
export function writeTinyModel(path: string): void {
  copyFileSync(TINY_MODEL, path);
}
