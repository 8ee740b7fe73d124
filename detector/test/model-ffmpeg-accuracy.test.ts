/**
 * The committed test models against real ffmpeg: clips with moving solid rectangles are rendered
 * and H.264-encoded, decoded letterboxed to the model input by ffmpeg (scale + pad 0x727272, as the
 * detector does), run through the InferencePool of each layout, and every detection must land
 * within IoU ≥ 0.5 of where the rectangles were drawn, in source pixels. A landscape and a portrait
 * source exercise both letterbox directions.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { InferencePool } from '../inference/inference-pool.ts';
import { iou, letterboxFor } from '../model/postprocess.ts';

const MODELS = new URL('../../test/fixtures/models/', import.meta.url);
const FPS = 5;
const SIZE = 160;

interface Moving {
  label: string;
  color: string;
  w: number;
  h: number;
  x0: number;
  y0: number;
  vx: number;
  vy: number;
}
interface Clip {
  name: string;
  width: number;
  height: number;
  frames: number;
  background: string;
  boxes: Moving[];
}

const CLIPS: Clip[] = [
  {
    name: 'landscape 640x360',
    width: 640,
    height: 360,
    frames: 10,
    background: '0x181818',
    boxes: [
      { label: 'person', color: 'red', w: 96, h: 72, x0: 40, y0: 30, vx: 60, vy: 20 },
      { label: 'car', color: '0x00DD22', w: 80, h: 60, x0: 500, y0: 250, vx: -50, vy: -30 },
    ],
  },
  {
    name: 'portrait 480x640',
    width: 480,
    height: 640,
    frames: 6,
    background: '0x303040',
    boxes: [
      { label: 'car', color: '0x10C030', w: 120, h: 90, x0: 20, y0: 500, vx: 50, vy: -60 },
      { label: 'person', color: '0xF02020', w: 70, h: 150, x0: 380, y0: 40, vx: -40, vy: 30 },
    ],
  },
];

/** Where a rectangle is at time t: overlay positions, rounded down to even as yuv420p overlay does. */
function boxAt(b: Moving, t: number): [number, number, number, number] {
  const x = Math.floor((b.x0 + b.vx * t) / 2) * 2;
  const y = Math.floor((b.y0 + b.vy * t) / 2) * 2;
  return [x, y, x + b.w, y + b.h];
}

async function decodeClip(dir: string, clip: Clip, index: number): Promise<Uint8Array[]> {
  const file = join(dir, `clip${index}.mp4`);
  let graph = `color=c=${clip.background}:s=${clip.width}x${clip.height}:r=${FPS}:d=${clip.frames / FPS}[s0]`;
  clip.boxes.forEach((b, i) => (graph += `;color=c=${b.color}:s=${b.w}x${b.h}:r=${FPS}[b${i}]`));
  clip.boxes.forEach((b, i) => {
    const out = i === clip.boxes.length - 1 ? 'out0' : `s${i + 1}`;
    graph += `;[s${i}][b${i}]overlay=x='${b.x0}+${b.vx}*t':y='${b.y0}+${b.vy}*t':shortest=1[${out}]`;
  });
  const quiet = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
  await execa('ffmpeg', [...quiet, '-f', 'lavfi', '-i', graph, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-y', file], {
    timeout: 60_000,
  });
  const letterbox = `scale=${SIZE}:${SIZE}:force_original_aspect_ratio=decrease,pad=${SIZE}:${SIZE}:(ow-iw)/2:(oh-ih)/2:color=0x727272`;
  const decoded = await execa('ffmpeg', [...quiet, '-i', file, '-vf', letterbox, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], {
    timeout: 60_000,
    encoding: 'buffer',
  });
  const frameBytes = SIZE * SIZE * 3;
  assert.equal(decoded.stdout.length, frameBytes * clip.frames, `${clip.name}: ffmpeg produced every frame`);
  return Array.from({ length: clip.frames }, (_, i) => new Uint8Array(decoded.stdout.subarray(i * frameBytes, (i + 1) * frameBytes)));
}

let dir: string;
let decoded: Uint8Array[][];
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lookout-model-'));
  decoded = await Promise.all(CLIPS.map((clip, i) => decodeClip(dir, clip, i)));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

for (const file of ['boxes-yolov8.onnx', 'boxes-yolov5.onnx', 'boxes-end2end.onnx']) {
  void test(`${file}: detections within IoU ≥ 0.5 of the moving boxes on ffmpeg-decoded frames`, async () => {
    const pool = await InferencePool.create({ modelPath: new URL(file, MODELS).pathname, threads: 1, workers: 1, timeoutMs: 10_000 });
    try {
      for (const [c, clip] of CLIPS.entries()) {
        const letterbox = letterboxFor(clip.width, clip.height, SIZE, SIZE);
        for (let n = 0; n < clip.frames; n++) {
          const detections = await pool.infer({ data: decoded[c]![n]!.slice(), letterbox }, { minScore: 0.5, iouThreshold: 0.45 });
          const where = `${clip.name} frame ${n}`;
          for (const b of clip.boxes) {
            const want = boxAt(b, n / FPS);
            const mine = detections.filter((d) => d.label === b.label);
            assert.equal(mine.length, 1, `${where} ${b.label}: ${JSON.stringify(detections)}`);
            const overlap = iou(xy(mine[0]!.box), xy(want));
            assert.ok(overlap >= 0.5, `${where} ${b.label}: IoU ${overlap.toFixed(2)}, got ${mine[0]!.box.map(Math.round)} want ${want}`);
          }
          assert.equal(detections.length, clip.boxes.length, `${where}: no extra detections: ${JSON.stringify(detections)}`);
        }
      }
    } finally {
      await pool.close();
    }
  });
}

function xy(b: readonly number[]): { x1: number; y1: number; x2: number; y2: number } {
  return { x1: b[0]!, y1: b[1]!, x2: b[2]!, y2: b[3]! };
}
