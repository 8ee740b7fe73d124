/**
 * One tracked object: where it is, how fast it moves, whether it stands still, which zones it is
 * in, and whether its event was announced yet. The tracker decides matching and the lifecycle; this
 * class only keeps one object's state up to date and renders it as an event.
 */
import type { Detection } from '../model/types.ts';
import { ZonePresence, type ZoneChange } from '../zones/zone-presence.ts';
import { eventId } from './event-id.ts';
import { boxArea, boxCentre, boxHeight, boxIou, boxWidth, type Box } from './geometry.ts';
import type { TrackSettings } from './settings.ts';
import type { TrackEvent, TrackEventType } from './types.ts';

/** Weight of the newest velocity sample (exponential smoothing of the centre speed). */
const VELOCITY_GAIN = 0.5;

export interface FrameSize {
  width: number;
  height: number;
}

export interface Observation {
  zones: ZoneChange;
  stationaryChanged: boolean;
  betterScore: boolean;
}

export class Track {
  readonly id: string;
  readonly label: string;
  readonly firstSeen: number;
  readonly zones: ZonePresence;
  score: number;
  topScore: number;
  box: Box;
  boxNorm: Box;
  lastSeen: number;
  velocity: [number, number] | undefined;
  /** Matched frames in a row (reset by a miss). */
  hits = 1;
  /** Frames in a row without a match. */
  missed = 0;
  /** Reached `minInitialized` hits in a row: a real object, not a one-off (it may still wait for a zone). */
  confirmed: boolean;
  /** `new` was published; from now on the track ends with `end`. */
  announced = false;
  stationary = false;
  motionlessCount = 0;
  positionChanges = 0;
  /** When the last `new`/`update` went out, and whether a better score waits for the rate limit. */
  lastPublishedAt = 0;
  scorePending = false;
  /** Where the object settled: the reference box for "did it move". */
  #position: Box;
  #region: Box;

  constructor(detection: Detection, timestampMs: number, frame: FrameSize | undefined, readonly settings: TrackSettings) {
    this.id = eventId(timestampMs);
    this.label = detection.label;
    this.firstSeen = timestampMs;
    this.lastSeen = timestampMs;
    this.score = detection.score;
    this.topScore = detection.score;
    this.box = [...detection.box];
    this.boxNorm = [...detection.boxNorm];
    this.#position = [...detection.box];
    this.#region = regionOf(detection, frame);
    this.confirmed = settings.minInitialized <= 1;
    this.zones = new ZonePresence(settings.zones);
    this.zones.observe(zoneObservation(detection));
  }

  /** A matched frame: moves the track, updates stationary state, zones and scores. */
  observe(detection: Detection, timestampMs: number, frame: FrameSize | undefined): Observation {
    const dt = (timestampMs - this.lastSeen) / 1000;
    if (dt > 0) {
      const [cx, cy] = boxCentre(this.box);
      const [nx, ny] = boxCentre(detection.box);
      const sample: [number, number] = [(nx - cx) / dt, (ny - cy) / dt];
      this.velocity = this.velocity ? [lerp(this.velocity[0], sample[0]), lerp(this.velocity[1], sample[1])] : sample;
    }
    this.box = [...detection.box];
    this.boxNorm = [...detection.boxNorm];
    this.#region = regionOf(detection, frame);
    this.lastSeen = timestampMs;
    this.hits++;
    this.missed = 0;
    if (this.hits >= this.settings.minInitialized) this.confirmed = true;
    this.score = detection.score;
    const betterScore = detection.score > this.topScore;
    if (betterScore) {
      this.topScore = detection.score;
      this.scorePending = true;
    }
    const wasStationary = this.stationary;
    if (boxIou(this.box, this.#position) >= this.settings.stationaryIou) {
      this.motionlessCount++;
    } else {
      this.#position = [...this.box];
      this.motionlessCount = 0;
      this.positionChanges++;
    }
    this.stationary = this.motionlessCount >= this.settings.stationaryThreshold;
    if (this.stationary) this.velocity = [0, 0];
    return { zones: this.zones.observe(zoneObservation(detection)), stationaryChanged: wasStationary !== this.stationary, betterScore };
  }

  /** A frame without a match. */
  miss(): void {
    this.missed++;
    this.hits = 0;
  }

  toEvent(type: TrackEventType, camera: string): TrackEvent {
    return {
      type,
      id: this.id,
      camera,
      label: this.label,
      subLabel: null,
      score: this.score,
      topScore: this.topScore,
      box: [...this.box],
      boxNorm: [...this.boxNorm],
      area: Math.round(boxArea(this.box)),
      ratio: boxHeight(this.box) > 0 ? boxWidth(this.box) / boxHeight(this.box) : 0,
      region: [...this.#region],
      currentZones: [...this.zones.current],
      enteredZones: [...this.zones.entered],
      stationary: this.stationary,
      motionlessCount: this.motionlessCount,
      positionChanges: this.positionChanges,
      firstSeen: this.firstSeen,
      lastSeen: this.lastSeen,
      endTime: type === 'end' ? this.lastSeen : null,
      falsePositive: false,
    };
  }
}

function lerp(previous: number, sample: number): number {
  return previous + VELOCITY_GAIN * (sample - previous);
}

function zoneObservation(detection: Detection) {
  return { label: detection.label, score: detection.score, boxNorm: detection.boxNorm, areaPx: boxArea(detection.box) };
}

/** The whole source frame (Lookout feeds the whole letterboxed frame to the model). */
function regionOf(detection: Detection, frame: FrameSize | undefined): Box {
  if (frame) return [0, 0, frame.width, frame.height];
  // Without the size, recover it from the box in pixels and in fractions.
  const spanX = detection.boxNorm[2] - detection.boxNorm[0];
  const spanY = detection.boxNorm[3] - detection.boxNorm[1];
  const width = spanX > 0 ? Math.round(boxWidth(detection.box) / spanX) : 0;
  const height = spanY > 0 ? Math.round(boxHeight(detection.box) / spanY) : 0;
  return [0, 0, width, height];
}
