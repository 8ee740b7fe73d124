/**
 * The detector's tracker: per camera, masks and filters the frame's detections, matches them to
 * live tracks by predicted position (association.ts), and runs the event lifecycle:
 * - a track is announced with `new` after `minInitialized` hits in a row (and, with
 *   `requiredZones`, once it entered one of them); a track that misses a frame before that is a
 *   false positive and ends silently;
 * - `update` only when a zone was entered or left or the stationary state changed (at once), or a
 *   better score was seen (at most once per `updateIntervalMs`);
 * - `end` after `maxDisappeared` frames, or as many frame intervals of time, without a match.
 * State is bounded: at most `maxTracks` live tracks per camera; ended tracks are dropped, and
 * `endCamera` forgets the camera.
 */
import type { Detection } from '../model/types.ts';
import { applyObjectRules } from '../zones/masks.ts';
import { associate } from './association.ts';
import { trackSettings, type TrackSettings } from './settings.ts';
import { Track, type FrameSize } from './track.ts';
import type { TrackEvent, ZoneCounts } from './types.ts';

export interface ObjectTrackerOptions {
  /** Settings for cameras that were not `configure`d (default: 5 fps defaults). */
  defaults?: TrackSettings;
}

interface CameraTracks {
  tracks: Track[];
}

export class ObjectTracker {
  readonly #defaults: TrackSettings;
  readonly #settings = new Map<string, TrackSettings>();
  readonly #cameras = new Map<string, CameraTracks>();
  #droppedNew = 0;

  constructor(options: ObjectTrackerOptions = {}) {
    this.#defaults = options.defaults ?? trackSettings();
  }

  /** Sets a camera's settings (zones, masks, lifecycle); applies to tracks started afterwards. */
  configure(cameraId: string, settings: TrackSettings): void {
    this.#settings.set(cameraId, settings);
  }

  settings(cameraId: string): TrackSettings {
    return this.#settings.get(cameraId) ?? this.#defaults;
  }

  /** Detections that survive the camera's object masks and filters (what the tracker will see). */
  filter(cameraId: string, detections: Detection[]): Detection[] {
    return applyObjectRules(detections, this.settings(cameraId).objects);
  }

  /** Unmatched detections that started no track because a camera was at `maxTracks`. */
  get droppedNewTracks(): number {
    return this.#droppedNew;
  }

  /** Feeds one processed frame (detections in source pixels); returns the events it caused. */
  update(cameraId: string, detections: Detection[], timestampMs: number, frame?: FrameSize): TrackEvent[] {
    const settings = this.settings(cameraId);
    let cam = this.#cameras.get(cameraId);
    if (!cam) {
      cam = { tracks: [] };
      this.#cameras.set(cameraId, cam);
    }
    const kept = applyObjectRules(detections, settings.objects);
    const events: TrackEvent[] = [];
    const matchedTracks = new Set<number>();
    const matchedDetections = new Set<number>();
    for (const [t, d] of associate(cam.tracks, kept, timestampMs)) {
      matchedTracks.add(t);
      matchedDetections.add(d);
      const track = cam.tracks[t]!;
      const seen = track.observe(kept[d]!, timestampMs, frame);
      const changed = seen.zones.entered.length > 0 || seen.zones.left.length > 0 || seen.stationaryChanged;
      if (!track.announced) {
        this.#maybeAnnounce(track, cameraId, timestampMs, events);
      } else if (changed || (track.scorePending && timestampMs - track.lastPublishedAt >= track.settings.updateIntervalMs)) {
        track.lastPublishedAt = timestampMs;
        track.scorePending = false;
        events.push(track.toEvent('update', cameraId));
      }
    }
    const live: Track[] = [];
    cam.tracks.forEach((track, t) => {
      if (!matchedTracks.has(t)) track.miss();
      if (this.#isOver(track, timestampMs)) {
        if (track.announced) events.push(track.toEvent('end', cameraId));
      } else {
        live.push(track);
      }
    });
    kept.forEach((detection, d) => {
      if (matchedDetections.has(d)) return;
      if (live.length >= settings.maxTracks) {
        this.#droppedNew++;
        return;
      }
      const track = new Track(detection, timestampMs, frame, settings);
      live.push(track);
      this.#maybeAnnounce(track, cameraId, timestampMs, events);
    });
    cam.tracks = live;
    return events;
  }

  /** Ends every track of a camera (paused, stopped, removed) and forgets it. */
  endCamera(cameraId: string): TrackEvent[] {
    const cam = this.#cameras.get(cameraId);
    this.#cameras.delete(cameraId);
    return (cam?.tracks ?? []).filter((track) => track.announced).map((track) => track.toEvent('end', cameraId));
  }

  /** Announced objects per label on a camera, e.g. `{ person: 2, car: 1 }`. */
  counts(cameraId: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const track of this.#cameras.get(cameraId)?.tracks ?? []) {
      if (track.announced) out[track.label] = (out[track.label] ?? 0) + 1;
    }
    return out;
  }

  /** Announced objects per zone and label; every configured zone is present (empty when nobody is in it). */
  zoneCounts(cameraId: string): ZoneCounts {
    const out: ZoneCounts = {};
    for (const zone of this.settings(cameraId).zones) out[zone.name] = {};
    for (const track of this.#cameras.get(cameraId)?.tracks ?? []) {
      if (!track.announced) continue;
      for (const zone of track.zones.current) {
        const counts = (out[zone] ??= {});
        counts[track.label] = (counts[track.label] ?? 0) + 1;
      }
    }
    return out;
  }

  /** Live tracks on a camera, announced or not (the motion gate keeps inferring while any exist). */
  liveTracks(cameraId: string): number {
    return this.#cameras.get(cameraId)?.tracks.length ?? 0;
  }

  /** Live tracks that are not stationary (moving objects need every frame; stationary ones a re-check). */
  movingTracks(cameraId: string): number {
    return (this.#cameras.get(cameraId)?.tracks ?? []).filter((track) => !track.stationary).length;
  }

  /** Cameras with state (for leak checks). */
  get cameraCount(): number {
    return this.#cameras.size;
  }

  #maybeAnnounce(track: Track, cameraId: string, timestampMs: number, events: TrackEvent[]): void {
    const { requiredZones } = track.settings;
    if (!track.confirmed) return;
    if (requiredZones.length > 0 && !track.zones.entered.some((zone) => requiredZones.includes(zone))) return;
    track.announced = true;
    track.lastPublishedAt = timestampMs;
    track.scorePending = false;
    events.push(track.toEvent('new', cameraId));
  }

  /** Gone: an unconfirmed track that missed a frame, or `maxDisappeared` frames (or their time) unmatched. */
  #isOver(track: Track, timestampMs: number): boolean {
    if (track.missed === 0) return false;
    if (!track.confirmed) return true;
    const { maxDisappeared, fps } = track.settings;
    return track.missed > maxDisappeared || timestampMs - track.lastSeen > (maxDisappeared * 1000) / fps;
  }
}
