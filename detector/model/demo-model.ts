import { fileURLToPath } from 'node:url';

/**
 * The model the detector loads when `detector.model` is not set: a tiny bundled demo network
 * (models/README.md) that finds the synthetic boxes of `lookout up --demo`, not real objects. It
 * lives outside test/ so production never depends on test fixtures; `lookout doctor` says when it
 * is the one in use.
 */
export const DEMO_MODEL_PATH = fileURLToPath(new URL('../../models/demo-boxes-yolov8.onnx', import.meta.url));
