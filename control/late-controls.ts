/**
 * Controls bound after the control plane starts: the detector and the gateway's pipeline manager
 * only exist once their service has started, but the control plane (and its command table) must be
 * up first so the detector can be given its sink. Until `bind()`, commands get a `conflict` error
 * reply ("still starting"), never a crash.
 */
import type { DetectControl, StreamControl } from './controls.ts';
import { CommandError } from './envelope.ts';

function notYet(what: string): never {
  throw new CommandError('conflict', `${what} is still starting; try again`);
}

/** A DetectControl that forwards to a detector service (`setDetect`, `status`) once bound. */
export class LateDetectControl implements DetectControl {
  #target: { setDetect(id: string, on: boolean): Promise<unknown> | unknown; status(id?: string): unknown } | undefined;

  bind(target: { setDetect(id: string, on: boolean): Promise<unknown> | unknown; status(id?: string): unknown }): void {
    this.#target = target;
  }

  async set(id: string, on: boolean): Promise<unknown> {
    return this.#target ? this.#target.setDetect(id, on) : notYet('the detector');
  }

  status(id?: string): unknown {
    return this.#target ? this.#target.status(id) : { ready: false };
  }
}

/** A StreamControl that forwards to the gateway's PipelineManager once bound. */
export class LateStreamControl implements StreamControl {
  #target: StreamControl | undefined;

  bind(target: StreamControl): void {
    this.#target = target;
  }

  async pause(id: string): Promise<unknown> {
    return this.#target ? this.#target.pause(id) : notYet('the gateway');
  }

  async resume(id: string): Promise<unknown> {
    return this.#target ? this.#target.resume(id) : notYet('the gateway');
  }

  async restart(id: string): Promise<unknown> {
    return this.#target ? this.#target.restart(id) : notYet('the gateway');
  }

  status(id?: string): unknown {
    return this.#target ? this.#target.status(id) : { ready: false };
  }
}
