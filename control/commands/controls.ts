/**
 * What the control plane needs from the services, as small structural interfaces. The gateway's
 * `PipelineManager` satisfies `StreamControl` and the detector satisfies `DetectControl` (through a
 * one-line adapter), so the control plane never imports their implementations and a gateway-only
 * or detector-only process passes just the control it has.
 */

/** Stream side (gateway): pause/resume/restart a camera's publish pipeline. */
export interface StreamControl {
  pause(id: string): Promise<unknown>;
  resume(id: string): Promise<unknown>;
  restart(id: string): Promise<unknown>;
  status(id?: string): unknown;
}

/** Detection side (detector): turn detection on or off for a camera. */
export interface DetectControl {
  set(id: string, on: boolean): Promise<unknown>;
  status(id?: string): unknown;
}

/** Adapts a detector service shaped like `DetectorService` (`setDetect`, `status`) to `DetectControl`. */
export function detectControlFrom(service: {
  setDetect(id: string, on: boolean): Promise<unknown> | unknown;
  status(id?: string): unknown;
}): DetectControl {
  return {
    set: async (id, on) => service.setDetect(id, on),
    status: (id) => service.status(id),
  };
}
