/**
 * Named fakes of StreamControl/DetectControl for tests where the real gateway/detector is not the
 * point. They keep per-camera state, can be slowed down, and count calls running at once per camera.
 * Like the real services (the gateway's CommandQueue), the fake stream control owns the per-camera
 * queue: the command table in front of it does not queue.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { UnknownCameraError } from '../../common/camera-errors.ts';
import { KeyedSerializer } from '../../common/keyed-serializer.ts';
import type { DetectControl, StreamControl } from '../commands/controls.ts';

export class FakeUnknownCameraError extends UnknownCameraError {}

export class FakeStreamControl implements StreamControl {
  readonly state = new Map<string, 'running' | 'paused'>();
  readonly calls: string[] = [];
  readonly running = new Map<string, number>();
  maxConcurrentPerCamera = 0;
  delayMs = 0;
  readonly #queue = new KeyedSerializer();

  constructor(cameras: string[]) {
    for (const camera of cameras) this.state.set(camera, 'running');
  }

  #op(id: string, name: string, next: 'running' | 'paused') {
    if (!this.state.has(id)) return Promise.reject(new FakeUnknownCameraError(id));
    return this.#queue.run(id, () => this.#run(id, name, next));
  }

  async #run(id: string, name: string, next: 'running' | 'paused') {
    const now = (this.running.get(id) ?? 0) + 1;
    this.running.set(id, now);
    this.maxConcurrentPerCamera = Math.max(this.maxConcurrentPerCamera, now);
    this.calls.push(`${name}:${id}`);
    try {
      if (this.delayMs > 0) await sleep(this.delayMs * Math.random());
      this.state.set(id, next);
      return { state: next };
    } finally {
      this.running.set(id, (this.running.get(id) ?? 1) - 1);
    }
  }

  pause(id: string) {
    return this.#op(id, 'pause', 'paused');
  }

  resume(id: string) {
    return this.#op(id, 'resume', 'running');
  }

  restart(id: string) {
    return this.#op(id, 'restart', 'running');
  }

  status(id?: string) {
    if (id === undefined) return Object.fromEntries(this.state);
    return { camera: id, state: this.state.get(id) };
  }
}

export class FakeDetectControl implements DetectControl {
  readonly enabled = new Map<string, boolean>();
  delayMs = 0;
  hang = false;

  constructor(cameras: string[]) {
    for (const camera of cameras) this.enabled.set(camera, true);
  }

  async set(id: string, on: boolean) {
    if (!this.enabled.has(id)) throw new FakeUnknownCameraError(id);
    if (this.hang) await new Promise(() => undefined);
    if (this.delayMs > 0) await sleep(this.delayMs * Math.random());
    this.enabled.set(id, on);
    return undefined;
  }

  status(id?: string) {
    if (id === undefined) return Object.fromEntries(this.enabled);
    return { camera: id, detect: this.enabled.get(id) };
  }
}
