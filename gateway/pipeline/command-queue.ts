import { KeyedSerializer } from '../../common/keyed-serializer.ts';

/**
 * Per-camera command serialization: one promise chain per camera, so pause/resume/restart/demand
 * for the same camera never interleave, and the final state is the last command's. A new command
 * aborts the *waiting* of the one still running (e.g. a resume waiting for progress), so a pause
 * behind a slow resume does not wait out the start timeout; state changes are never interrupted.
 */
export class CommandQueue {
  readonly #chains = new KeyedSerializer();
  readonly #running = new Map<string, { name: string; controller: AbortController }>();

  /** Cameras with queued or running commands (for leak checks). */
  get activeKeys(): number {
    return this.#chains.activeKeys;
  }

  /**
   * Queues `work` behind earlier commands for `key`. `supersede` (default true) aborts the signal
   * of the command currently running for that key with `supersededError(name)`.
   */
  run<T>(
    key: string,
    name: string,
    work: (signal: AbortSignal) => Promise<T>,
    options: { supersede?: boolean; supersededError?: (previous: string) => Error } = {},
  ): Promise<T> {
    if (options.supersede ?? true) {
      const current = this.#running.get(key);
      current?.controller.abort(options.supersededError?.(current.name) ?? new Error(`${current.name} superseded`));
    }
    const controller = new AbortController();
    const start = async () => {
      const entry = { name, controller };
      this.#running.set(key, entry);
      try {
        return await work(controller.signal);
      } finally {
        if (this.#running.get(key) === entry) this.#running.delete(key);
      }
    };
    return this.#chains.run(key, start);
  }

  /** Aborts the waits of every running command (shutdown). */
  abortAll(reason: Error): void {
    for (const { controller } of this.#running.values()) controller.abort(reason);
  }
}
