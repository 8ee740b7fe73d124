/**
 * The event list: newest first with a thumbnail per event that has a snapshot, filters by camera,
 * label and zone (sent to the gateway, which checks them), and a detail view (a modal <dialog>:
 * Escape closes it and focus returns to the row) with the full snapshot. Rows are kept by id
 * across polls so keyboard focus stays where it was.
 */
import { getImage, getJson } from './api.ts';
import { clock, h, replaceChildren } from './dom.ts';
import { linkableId, normalizeEvents, type PageEvent } from './model.ts';

export interface EventsHooks {
  onAuthError(error: unknown): boolean;
}

const LIST_LIMIT = 30;

function scoreText(event: PageEvent): string {
  const score = event.topScore ?? event.score;
  return score === undefined ? '' : ` ${Math.round(score * 100)}%`;
}

export class EventsView {
  readonly #rows = new Map<string, { li: HTMLLIElement; event: PageEvent }>();
  readonly #thumbs = new Map<string, string>();
  readonly #labels = new Set<string>();
  #order = '';
  #loading = false;

  constructor(
    readonly list: HTMLUListElement,
    readonly form: HTMLFormElement,
    readonly dialog: HTMLDialogElement,
    readonly hooks: EventsHooks,
  ) {
    form.addEventListener('submit', (submit) => {
      submit.preventDefault();
      void this.refresh();
    });
    form.addEventListener('change', () => void this.refresh());
    dialog.querySelector('[data-close]')?.addEventListener('click', () => dialog.close());
  }

  /** The camera filter's choices. */
  setCameras(ids: readonly string[]): void {
    const select = this.form.elements.namedItem('camera');
    if (!(select instanceof HTMLSelectElement) || select.options.length - 1 === ids.length) return;
    const chosen = select.value;
    replaceChildren(select, h('option', { value: '' }, 'All cameras'), ...ids.map((id) => h('option', { value: id, selected: id === chosen }, id)));
  }

  #query(): string {
    const params = new URLSearchParams({ limit: String(LIST_LIMIT) });
    for (const name of ['camera', 'label', 'zone']) {
      const field = this.form.elements.namedItem(name);
      const value = field instanceof HTMLInputElement || field instanceof HTMLSelectElement ? field.value.trim() : '';
      if (value) params.set(name, value);
    }
    return params.toString();
  }

  async refresh(): Promise<void> {
    if (this.#loading) return;
    this.#loading = true;
    const status = this.form.querySelector('[role="status"]');
    try {
      const events = normalizeEvents(await getJson<unknown[]>(`/api/v1/events?${this.#query()}`));
      this.#render(events);
      if (status) status.textContent = events.length === 0 ? 'No events yet.' : '';
    } catch (error) {
      if (!this.hooks.onAuthError(error) && status) status.textContent = `Events unavailable: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      this.#loading = false;
    }
  }

  #render(events: PageEvent[]): void {
    for (const event of events) this.#labels.add(event.label);
    this.#updateLabels();
    const ids = events.map((event) => event.id);
    for (const event of events) {
      const row = this.#rows.get(event.id);
      if (!row) this.#rows.set(event.id, { li: this.#row(event), event });
      else if (JSON.stringify(row.event) !== JSON.stringify(event)) {
        const li = this.#row(event);
        row.li.replaceWith(li);
        this.#rows.set(event.id, { li, event });
      }
    }
    for (const [id, row] of this.#rows) {
      if (ids.includes(id)) continue;
      row.li.remove();
      this.#rows.delete(id);
      const thumb = this.#thumbs.get(id);
      if (thumb) URL.revokeObjectURL(thumb);
      this.#thumbs.delete(id);
    }
    const order = ids.join('\n');
    if (order !== this.#order) {
      const focused = (document.activeElement as HTMLElement | null)?.dataset.eventId;
      this.#order = order;
      replaceChildren(this.list, ...ids.map((id) => this.#rows.get(id)?.li));
      if (focused) this.list.querySelector<HTMLElement>(`[data-event-id="${CSS.escape(focused)}"]`)?.focus();
    }
    void this.#loadThumbnails(events);
  }

  #updateLabels(): void {
    const select = this.form.elements.namedItem('label');
    if (!(select instanceof HTMLSelectElement) || select.options.length - 1 === this.#labels.size) return;
    const chosen = select.value;
    const labels = [...this.#labels].sort();
    replaceChildren(select, h('option', { value: '' }, 'All labels'), ...labels.map((label) => h('option', { value: label, selected: label === chosen }, label)));
  }

  #row(event: PageEvent): HTMLLIElement {
    const thumb = this.#thumbs.get(event.id);
    const picture = thumb
      ? h('img', { class: 'thumb', src: thumb, alt: `${event.label} on ${event.camera}`, width: '96', height: '54' })
      : h('span', { class: 'thumb none', 'aria-hidden': 'true' }, event.hasSnapshot ? '…' : 'no picture');
    const where = [event.camera, clock(event.start), event.end === undefined ? 'ongoing' : `ended ${clock(event.end)}`, ...event.zones.map((zone) => `zone ${zone}`)];
    const button = h(
      'button',
      { type: 'button', class: 'event', 'data-event-id': event.id, 'aria-label': `${event.label}${scoreText(event)} on ${event.camera} at ${clock(event.start)}, details` },
      picture,
      h('span', { class: 'event-text' }, h('strong', {}, `${event.label}${scoreText(event)}`), h('span', { class: 'event-where' }, where.join(' · '))),
    );
    button.addEventListener('click', () => void this.#open(event));
    return h('li', {}, button);
  }

  /** Thumbnails one at a time, only for events that have a snapshot and are not loaded yet. */
  async #loadThumbnails(events: PageEvent[]): Promise<void> {
    for (const event of events) {
      if (!event.hasSnapshot || this.#thumbs.has(event.id) || !linkableId(event.id)) continue;
      const result = await getImage(`/api/v1/events/${encodeURIComponent(event.id)}/thumbnail.jpg`).catch(() => undefined);
      if (!result || !('blob' in result)) continue;
      const row = this.#rows.get(event.id);
      if (!row) continue;
      this.#thumbs.set(event.id, URL.createObjectURL(result.blob));
      const li = this.#row(row.event);
      const hadFocus = row.li.contains(document.activeElement);
      row.li.replaceWith(li);
      this.#rows.set(event.id, { li, event: row.event });
      if (hadFocus) li.querySelector('button')?.focus();
    }
  }

  async #open(event: PageEvent): Promise<void> {
    const body = this.dialog.querySelector('[data-body]');
    const title = this.dialog.querySelector('#detail-title');
    if (!body || !title) return;
    title.textContent = `${event.label}${scoreText(event)} on ${event.camera}`;
    const picture = h('p', { class: 'placeholder' }, event.hasSnapshot ? 'Loading snapshot…' : 'No snapshot for this event');
    const fields: Array<[string, string]> = [
      ['Camera', event.camera],
      ['Label', event.label],
      ['Score', event.score === undefined ? '—' : `${Math.round(event.score * 100)}%`],
      ['Top score', event.topScore === undefined ? '—' : `${Math.round(event.topScore * 100)}%`],
      ['Started', clock(event.start)],
      ['Ended', event.end === undefined ? 'ongoing' : clock(event.end)],
      ['Zones', event.zones.join(', ') || 'none'],
      ['Stationary', event.stationary ? 'yes' : 'no'],
      ['Event id', event.id],
    ];
    replaceChildren(body, picture, h('dl', {}, ...fields.flatMap(([key, value]) => [h('dt', {}, key), h('dd', {}, value)])));
    this.dialog.showModal();
    if (!event.hasSnapshot || !linkableId(event.id)) return;
    const result = await getImage(`/api/v1/events/${encodeURIComponent(event.id)}/snapshot.jpg`).catch((error: unknown) => {
      this.hooks.onAuthError(error);
      return undefined;
    });
    if (result && 'blob' in result) {
      const url = URL.createObjectURL(result.blob);
      const img = h('img', { class: 'snapshot', src: url, alt: `Snapshot of the ${event.label} on ${event.camera}` });
      img.addEventListener('load', () => URL.revokeObjectURL(url), { once: true });
      picture.replaceWith(img);
    } else picture.textContent = `No snapshot: ${result && 'error' in result ? result.error.message : 'gateway not reachable'}`;
  }
}
