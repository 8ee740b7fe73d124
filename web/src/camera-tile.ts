/**
 * One camera on the grid: its latest frame with the detector's boxes (fetched as a blob, so the
 * bearer token goes along and a missing frame shows a text placeholder, never a broken image),
 * state badges with words (not colour alone), and buttons for stream pause/resume (the command
 * table, like MQTT and NATS) and detect on/off (the detector, through the gateway's proxy).
 */
import { getImage, postJson } from './api.ts';
import { h, replaceChildren } from './dom.ts';
import type { OverviewCamera } from './model.ts';

export interface TileHooks {
  /** Says something to screen readers (the page's aria-live region). */
  announce(text: string): void;
  /** Asks for a fresh overview now (after a command). */
  refresh(): void;
  /** A request failed for want of the token. */
  onAuthError(error: unknown): boolean;
}

const IMAGE_HEIGHT = 360;

export class CameraTile {
  readonly element: HTMLElement;
  readonly #img: HTMLImageElement;
  readonly #placeholder: HTMLParagraphElement;
  readonly #streamBadge: HTMLSpanElement;
  readonly #detectBadge: HTMLSpanElement;
  readonly #streamButton: HTMLButtonElement;
  readonly #detectButton: HTMLButtonElement;
  readonly #hls: HTMLParagraphElement;
  readonly #message: HTMLParagraphElement;
  #camera: OverviewCamera;
  #imageUrl: string | undefined;
  #loading = false;
  #busy = false;
  /** No frame requests while detect on/off is in flight (a paused detector answers 409). */
  #holdImages = false;
  /**
   * Frames are asked for once the detector's decoded-frame counter reaches this: it keeps the
   * picture of a frame a moment after counting it, and forgets its pictures on pause, so right
   * after a start or a resume a request would be answered 409 (which the browser logs as an error).
   */
  #minFrames = 2;

  constructor(
    camera: OverviewCamera,
    readonly hooks: TileHooks,
  ) {
    this.#camera = camera;
    const titleId = `camera-${camera.id}-title`;
    this.#img = h('img', { alt: `Latest frame from ${camera.name}, with detection boxes`, width: '640', height: '360', hidden: true });
    this.#placeholder = h('p', { class: 'placeholder' }, 'No frame yet');
    this.#streamBadge = h('span', { class: 'badge', 'data-badge': 'stream' });
    this.#detectBadge = h('span', { class: 'badge', 'data-badge': 'detect' });
    this.#streamButton = h('button', { type: 'button', 'data-action': 'stream' });
    this.#detectButton = h('button', { type: 'button', 'data-action': 'detect' });
    this.#hls = h('p', { class: 'hls' });
    this.#message = h('p', { class: 'message', role: 'status' });
    this.#streamButton.addEventListener('click', () => void this.#stream());
    this.#detectButton.addEventListener('click', () => void this.#detect());
    this.element = h(
      'article',
      { class: 'tile', 'data-camera': camera.id, 'aria-labelledby': titleId },
      h('div', { class: 'frame' }, this.#img, this.#placeholder),
      h(
        'div',
        { class: 'tile-body' },
        h('h3', { id: titleId }, camera.name, ' ', h('span', { class: 'camera-id' }, camera.id)),
        h('p', { class: 'badges' }, this.#streamBadge, ' ', this.#detectBadge),
        h('p', { class: 'buttons' }, this.#streamButton, ' ', this.#detectButton),
        this.#hls,
        this.#message,
      ),
    );
    this.update(camera, null);
  }

  update(camera: OverviewCamera, hlsPort: number | null): void {
    const before = this.#camera;
    this.#camera = camera;
    const running = camera.detect?.state === 'running';
    if (running && before.detect && before.detect.state !== 'running') this.#minFrames = (camera.detect?.framesDecoded ?? 0) + 2;
    const stream = camera.stream?.state ?? 'unknown';
    const detect = detectWord(camera);
    this.#streamBadge.textContent = `Stream: ${stream}`;
    this.#streamBadge.className = `badge state-${stream}`;
    this.#detectBadge.textContent = `Detect: ${detect}`;
    this.#detectBadge.className = `badge detect-${detect.replace(/\W+/g, '-')}`;
    if (!this.#busy) {
      this.#streamButton.textContent = stream === 'paused' ? 'Resume stream' : 'Pause stream';
      this.#detectButton.textContent = camera.detect?.state === 'paused' ? 'Detect on' : 'Detect off';
      this.#streamButton.disabled = camera.stream === null;
      this.#detectButton.disabled = camera.detect === null;
    }
    replaceChildren(this.#hls, hlsPort ? h('a', { href: `${location.protocol}//${location.hostname}:${hlsPort}/${camera.id}/`, rel: 'noreferrer' }, 'Live stream (HLS)') : null);
    if (before.stream?.state !== camera.stream?.state && before.stream) this.hooks.announce(`${camera.name}: stream ${stream}`);
    if (before.detect?.state !== camera.detect?.state && before.detect) this.hooks.announce(`${camera.name}: detect ${detect}`);
    if (!this.#canHaveFrame()) this.#showPlaceholder(camera.detect?.state === 'paused' ? 'Detection is off' : camera.detect ? 'No frame yet' : 'Detector not reachable');
  }

  /** Fetches the latest frame when the detector has one; one request at a time per tile. */
  async refreshImage(): Promise<void> {
    if (this.#loading || !this.#canHaveFrame()) return;
    this.#loading = true;
    try {
      const result = await getImage(`/api/v1/cameras/${encodeURIComponent(this.#camera.id)}/latest.jpg?boxes=1&h=${IMAGE_HEIGHT}`);
      if ('blob' in result) this.#showImage(URL.createObjectURL(result.blob));
      else this.#showPlaceholder(result.error.status === 409 ? 'No frame yet' : `No picture: ${result.error.message}`);
    } catch (error) {
      if (!this.hooks.onAuthError(error)) this.#showPlaceholder('No picture (gateway not reachable)');
    } finally {
      this.#loading = false;
    }
  }

  dispose(): void {
    if (this.#imageUrl) URL.revokeObjectURL(this.#imageUrl);
    this.element.remove();
  }

  #canHaveFrame(): boolean {
    const detect = this.#camera.detect;
    return !this.#holdImages && detect?.state === 'running' && (detect.framesDecoded ?? 0) >= this.#minFrames;
  }

  #showImage(url: string): void {
    const previous = this.#imageUrl;
    this.#imageUrl = url;
    this.#img.src = url;
    this.#img.hidden = false;
    this.#placeholder.hidden = true;
    if (previous) URL.revokeObjectURL(previous);
  }

  #showPlaceholder(text: string): void {
    if (this.#imageUrl) URL.revokeObjectURL(this.#imageUrl);
    this.#imageUrl = undefined;
    this.#img.hidden = true;
    this.#img.removeAttribute('src');
    this.#placeholder.textContent = text;
    this.#placeholder.hidden = false;
  }

  async #stream(): Promise<void> {
    const command = this.#camera.stream?.state === 'paused' ? 'stream.resume' : 'stream.pause';
    await this.#run(this.#streamButton, command === 'stream.pause' ? 'Pausing stream…' : 'Resuming stream…', () => postJson('/api/v1/commands', { command, camera: this.#camera.id }));
  }

  async #detect(): Promise<void> {
    const verb = this.#camera.detect?.state === 'paused' ? 'resume' : 'pause';
    this.#holdImages = true;
    await this.#run(this.#detectButton, verb === 'pause' ? 'Turning detection off…' : 'Turning detection on…', () =>
      postJson(`/api/v1/detect/cameras/${encodeURIComponent(this.#camera.id)}/${verb}`, {}),
    );
    // Frames again once the detector has decoded new ones after the command.
    this.#holdImages = false;
    if (verb === 'pause') this.#camera = { ...this.#camera, detect: this.#camera.detect ? { ...this.#camera.detect, state: 'paused' } : null };
    else this.#minFrames = (this.#camera.detect?.framesDecoded ?? 0) + 2;
  }

  async #run(button: HTMLButtonElement, pending: string, call: () => Promise<unknown>): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    this.#message.textContent = pending;
    try {
      await call();
      this.#message.textContent = '';
    } catch (error) {
      if (!this.hooks.onAuthError(error)) this.#message.textContent = `Failed: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      this.#busy = false;
      button.disabled = false;
      button.removeAttribute('aria-busy');
      this.hooks.refresh();
    }
  }
}

function detectWord(camera: OverviewCamera): string {
  switch (camera.detect?.state) {
    case undefined:
      return 'unknown';
    case 'running':
      return 'on';
    case 'paused':
      return 'off';
    default:
      return camera.detect?.state ?? 'unknown';
  }
}
