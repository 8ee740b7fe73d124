/**
 * Quiet-scene clips for the motion tests and the motion benchmark, rendered with real ffmpeg: a
 * static background with temporal sensor noise and a slow global brightness drift, objects (the
 * bundled test model's red "person" / green "car" rectangles) crossing only in given time windows,
 * and optionally a sudden "lights on" step. Tests know where every object is at every pts.
 */
import { execa } from 'execa';
import { boxAt, iou, type MovingBox } from './clips.ts';

/** An object visible from `start` to `end` (s); its box moves from (x0, y0) at `start`. */
export interface ObjectWindow {
  label: string;
  start: number;
  end: number;
  box: MovingBox;
}

export interface QuietClipSpec {
  width: number;
  height: number;
  fps: number;
  seconds: number;
  gop: number;
  background?: string;
  /** ffmpeg `noise` strength (alls), temporal; 0: none. */
  noise?: number;
  /** Brightness change over the whole clip (eq brightness units, -1..1), linear in t. */
  drift?: number;
  windows?: ObjectWindow[];
  /** A sudden, uneven brightening of most of the frame ("lights on") from this time on. */
  lightsOnAt?: number;
}

/** Where a window's object is at `t`, or undefined when it is not shown. */
export function windowBoxAt(window: ObjectWindow, t: number): [number, number, number, number] | undefined {
  if (t < window.start || t >= window.end) return undefined;
  return boxAt(window.box, t - window.start);
}

/** Renders the clip as H.264 (yuv420p) at `path`. */
export async function renderQuietClip(path: string, spec: QuietClipSpec): Promise<void> {
  const windows = spec.windows ?? [];
  const inputs = [`color=c=${spec.background ?? '0x303030'}:s=${spec.width}x${spec.height}:r=${spec.fps}:d=${spec.seconds}`];
  for (const window of windows) inputs.push(`color=c=${window.box.color}:s=${window.box.width}x${window.box.height}:r=${spec.fps}:d=${spec.seconds}`);
  let graph = inputs.map((input, index) => `${input}[s${index}]`).join(';');
  let last = 's0';
  windows.forEach((window, index) => {
    const { x0, y0, vx, vy } = window.box;
    const x = `${x0}+${vx}*(t-${window.start})`;
    const y = `${y0}+${vy}*(t-${window.start})`;
    graph += `;[${last}][s${index + 1}]overlay=x='${x}':y='${y}':shortest=1:enable='between(t,${window.start},${window.end - 1e-3})'[o${index}]`;
    last = `o${index}`;
  });
  const filters: string[] = [];
  if (spec.drift) filters.push(`eq=brightness='${spec.drift}*t/${spec.seconds}':eval=frame`);
  // A lamp: most of the frame brightens at once, unevenly (a global linear change is not enough, contrast normalisation evens it out).
  if (spec.lightsOnAt !== undefined) filters.push(`drawbox=x=0:y=0:w=iw*0.7:h=ih:color=white@0.45:t=fill:enable='gte(t,${spec.lightsOnAt})'`);
  if (spec.noise) filters.push(`noise=alls=${spec.noise}:allf=t`);
  filters.push('format=yuv420p');
  graph += `;[${last}]${filters.join(',')}[out]`;
  await execa(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-y', '-filter_complex', graph, '-map', '[out]', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '32', '-g', String(spec.gop), '-keyint_min', String(spec.gop), '-sc_threshold', '0', '-bf', '0', path],
    { timeout: 300_000, stdin: 'ignore' },
  );
}

interface ScoredLine {
  pts: number;
  detections: Array<{ label: string; box: readonly number[] }>;
}

/**
 * Recall: of the (frame, shown object) pairs whose box lies fully in the frame, the fraction with a
 * same-label detection at IoU ≥ 0.5. Precision: of all detections, the fraction that match a shown
 * object that way.
 */
export function scoreWindows(lines: ScoredLine[], windows: ObjectWindow[], frame: { width: number; height: number }): { recall: number; precision: number; objects: number; detections: number } {
  let objects = 0;
  let found = 0;
  let detections = 0;
  let correct = 0;
  for (const line of lines) {
    const shown = windows.flatMap((window) => {
      const box = windowBoxAt(window, line.pts);
      return box ? [{ label: window.label, box }] : [];
    });
    for (const object of shown) {
      const [x1, y1, x2, y2] = object.box;
      if (x1 < 0 || y1 < 0 || x2 > frame.width || y2 > frame.height) continue;
      objects++;
      if (line.detections.some((detection) => detection.label === object.label && iou(detection.box, object.box) >= 0.5)) found++;
    }
    for (const detection of line.detections) {
      detections++;
      if (shown.some((object) => object.label === detection.label && iou(detection.box, object.box) >= 0.5)) correct++;
    }
  }
  return { recall: objects === 0 ? 1 : found / objects, precision: detections === 0 ? 1 : correct / detections, objects, detections };
}

/** The quiet scene both the tests and the benchmark use: two short windows in `seconds`. */
export function twoWindows(seconds: number, width = 1280): ObjectWindow[] {
  const first = seconds * 0.2;
  const second = seconds * 0.65;
  const span = seconds * 0.125;
  return [
    { label: 'person', start: first, end: first + span, box: { color: '0xE01818', width: 240, height: 200, x0: 60, y0: 150, vx: (width - 360) / span, vy: 0 } },
    { label: 'car', start: second, end: second + span, box: { color: '0x18D018', width: 200, height: 160, x0: width - 260, y0: 420, vx: -(width - 360) / span, vy: -20 / span } },
  ];
}
