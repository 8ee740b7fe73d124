/** Named failures of the model layer, so callers can count and react to each kind. */

/** An inference overran its deadline; its worker is being replaced (it exits once its run returns). */
export class InferenceTimeoutError extends Error {
  override name = 'InferenceTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`inference did not finish within ${timeoutMs} ms; worker replaced`);
  }
}

/** The worker running an inference died (uncaught error or exit); it is being replaced. */
export class WorkerCrashedError extends Error {
  override name = 'WorkerCrashedError';
}

/**
 * More inferences were submitted than the pool holds (one running and one prepared per worker);
 * the caller must not queue (bounded by design).
 */
export class PoolBusyError extends Error {
  override name = 'PoolBusyError';
  constructor(readonly capacity: number) {
    super(`the inference pool is full; submit at most ${capacity} frames at once (one running and one prepared per worker)`);
  }
}

/** The pool is closing or closed. */
export class PoolClosedError extends Error {
  override name = 'PoolClosedError';
}

/** A model could not be opened or does not look like a supported YOLO detector. */
export class ModelError extends Error {
  override name = 'ModelError';
}

/** A frame does not match the model input (size, shape). */
export class FrameSizeError extends Error {
  override name = 'FrameSizeError';
}
