import { packagePath } from '../../common/package-root.ts';

/**
 * The model the detector loads when `detector.model` is not set: a tiny bundled demo network
 * (models/README.md) that finds the synthetic boxes of `lookout up --demo`, not real objects. It
 * lives outside test/ so production never depends on test fixtures; `lookout doctor` says when it
 * is the one in use.
 */
export const DEMO_MODEL_PATH = packagePath('models', 'demo-boxes-yolov8.onnx');
