/**
 * The appliance's web page: boots the camera grid, the status strip and the event list, and polls
 * the gateway (overview every 1.5 s, latest frames every 1.5 s, events every 3 s). When the box has
 * an API token and this tab has none (or a wrong one), the login form asks for it.
 */
import { AuthRequiredError, getJson, storeToken, storedToken } from './api.ts';
import { CameraTile } from './camera-tile.ts';
import { EventsView } from './events-view.ts';
import type { Overview } from './model.ts';
import { StatusStrip } from './status-strip.ts';

const OVERVIEW_MS = 1500;
const IMAGES_MS = 1500;
const EVENTS_MS = 3000;

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`page element #${id} is missing`);
  return element as T;
}

class Page {
  readonly #tiles = new Map<string, CameraTile>();
  readonly #grid = byId<HTMLDivElement>('cameras');
  readonly #announcer = byId<HTMLDivElement>('announcer');
  readonly #problem = byId<HTMLParagraphElement>('problem');
  readonly #login = byId<HTMLFormElement>('login');
  readonly #strip = new StatusStrip(byId<HTMLUListElement>('status-strip'));
  readonly #events: EventsView;
  #overviewLoading = false;
  #locked = false;

  constructor() {
    const onAuthError = (error: unknown) => this.#onAuthError(error);
    this.#events = new EventsView(byId('events'), byId('filters'), byId('detail'), { onAuthError });
    this.#login.addEventListener('submit', (event) => {
      event.preventDefault();
      const field = this.#login.elements.namedItem('token');
      const token = field instanceof HTMLInputElement ? field.value.trim() : '';
      if (!token) return;
      storeToken(token);
      if (field instanceof HTMLInputElement) field.value = '';
      this.#locked = false;
      this.#login.hidden = true;
      void this.#tick();
    });
    byId<HTMLButtonElement>('logout').addEventListener('click', () => {
      storeToken(null);
      location.reload();
    });
    byId<HTMLButtonElement>('logout').hidden = storedToken() === null;
  }

  start(): void {
    void this.#tick();
    setInterval(() => void this.#overview(), OVERVIEW_MS);
    setInterval(() => this.#images(), IMAGES_MS);
    setInterval(() => void this.#events.refresh(), EVENTS_MS);
  }

  async #tick(): Promise<void> {
    await this.#overview();
    this.#images();
    await this.#events.refresh();
  }

  #announce(text: string): void {
    this.#announcer.textContent = text;
  }

  #onAuthError(error: unknown): boolean {
    if (!(error instanceof AuthRequiredError)) return false;
    if (!this.#locked) {
      this.#locked = true;
      this.#login.hidden = false;
      const message = this.#login.querySelector('[role="status"]');
      if (message) message.textContent = error.message;
      this.#login.querySelector('input')?.focus();
    }
    return true;
  }

  #images(): void {
    if (this.#locked || document.hidden) return;
    for (const tile of this.#tiles.values()) void tile.refreshImage();
  }

  async #overview(): Promise<void> {
    if (this.#overviewLoading || this.#locked) return;
    this.#overviewLoading = true;
    try {
      const overview = await getJson<Overview>('/api/v1/overview');
      this.#problem.hidden = true;
      this.#strip.update(overview);
      this.#render(overview);
    } catch (error) {
      if (!this.#onAuthError(error)) {
        this.#problem.hidden = false;
        this.#problem.textContent = `The gateway is not answering (${error instanceof Error ? error.message : String(error)}); retrying.`;
      }
    } finally {
      this.#overviewLoading = false;
    }
  }

  #render(overview: Overview): void {
    const hooks = { announce: (text: string) => this.#announce(text), refresh: () => void this.#overview(), onAuthError: (error: unknown) => this.#onAuthError(error) };
    for (const camera of overview.cameras) {
      const tile = this.#tiles.get(camera.id);
      if (tile) tile.update(camera, overview.hls_port);
      else {
        const created = new CameraTile(camera, hooks);
        created.update(camera, overview.hls_port);
        this.#tiles.set(camera.id, created);
        this.#grid.append(created.element);
      }
    }
    const ids = new Set(overview.cameras.map((camera) => camera.id));
    for (const [id, tile] of this.#tiles) {
      if (ids.has(id)) continue;
      tile.dispose();
      this.#tiles.delete(id);
    }
    this.#events.setCameras(overview.cameras.map((camera) => camera.id));
  }
}

new Page().start();
