/**
 * Draws docs/img/zones.png for docs/motion-and-zones.md: a frame of a generated clip (ffmpeg) with
 * two zones, an object mask and the detections' boxes, so the guide shows what the config means
 * instead of describing it. The zone test itself (which anchor point is in which zone) uses the
 * detector's own geometry, so the picture cannot disagree with the code.
 *
 *   node --import tsx scripts/docs/zone-picture.ts [out.png]
 */
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { anchorPoint, pointInPolygon, type Polygon } from '../../detector/zones/polygon.ts';

const W = 1280;
const H = 720;
const OUT = process.argv[2] ?? fileURLToPath(new URL('../../docs/img/zones.png', import.meta.url));

type Rgb = [number, number, number];

/** The zones and mask of the example config (deploy/lookout.example.yml, driveway camera). */
const ZONES: Array<{ name: string; polygon: Polygon; color: Rgb }> = [
  { name: 'parking', polygon: [[0.05, 0.55], [0.6, 0.55], [0.6, 1], [0.05, 1]], color: [255, 200, 0] },
  { name: 'street', polygon: [[820 / W, 380 / H], [1, 380 / H], [1, 1], [820 / W, 1]], color: [0, 170, 255] },
];
const MASK: Polygon = [[0, 0], [1, 0], [1, 0.15], [0, 0.15]];

/** Boxes as the clip draws them (the bundled test model finds red "person" and green "car" rectangles). */
const OBJECTS: Array<{ label: string; box: [number, number, number, number]; color: string }> = [
  { label: 'person', box: [300, 330, 420, 560], color: '0xE01818' },
  { label: 'car', box: [900, 300, 1160, 470], color: '0x18D018' },
  { label: 'person', box: [1000, 20, 1060, 90], color: '0xE01818' },
];

/** One frame: a dark "ground" with a lighter band for the street, and the objects, from ffmpeg. */
async function frame(): Promise<Buffer> {
  const draw = OBJECTS.map(({ box: [x1, y1, x2, y2], color }) => `drawbox=x=${x1}:y=${y1}:w=${x2 - x1}:h=${y2 - y1}:color=${color}:t=fill`).join(',');
  const graph = `color=c=0x303030:s=${W}x${H}:d=1,drawbox=x=0:y=360:w=${W}:h=360:color=0x3c3c3c:t=fill,${draw},format=rgb24`;
  const { stdout } = await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', graph, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], {
    encoding: 'buffer',
    timeout: 30_000,
    stdin: 'ignore',
  });
  if (stdout.length !== W * H * 3) throw new Error(`ffmpeg gave ${stdout.length} bytes, expected ${W * H * 3}`);
  return Buffer.from(stdout);
}

function blend(rgb: Buffer, x: number, y: number, color: Rgb, alpha: number): void {
  if (x < 0 || y < 0 || x >= W || y >= H) return;
  const i = (y * W + x) * 3;
  for (let c = 0; c < 3; c++) rgb[i + c] = Math.round(rgb[i + c]! * (1 - alpha) + color[c]! * alpha);
}

/** Tints the inside of a polygon and draws its outline 3 px wide. */
function polygon(rgb: Buffer, shape: Polygon, color: Rgb, alpha: number, hatch = false): void {
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (!pointInPolygon([(x + 0.5) / W, (y + 0.5) / H], shape)) continue;
      if (hatch && (x + y) % 16 >= 3) continue;
      blend(rgb, x, y, color, alpha);
    }
  }
  for (let i = 0; i < shape.length; i++) {
    const [ax, ay] = shape[i]!;
    const [bx, by] = shape[(i + 1) % shape.length]!;
    const steps = Math.ceil(Math.hypot((bx - ax) * W, (by - ay) * H));
    for (let s = 0; s <= steps; s++) {
      const px = Math.round((ax + ((bx - ax) * s) / steps) * W);
      const py = Math.round((ay + ((by - ay) * s) / steps) * H);
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) blend(rgb, px + dx, py + dy, color, 1);
    }
  }
}

function rectangle(rgb: Buffer, [x1, y1, x2, y2]: readonly number[], color: Rgb, width = 3): void {
  for (let t = 0; t < width; t++) {
    for (let x = x1!; x <= x2!; x++) {
      blend(rgb, x, y1! - t, color, 1);
      blend(rgb, x, y2! + t, color, 1);
    }
    for (let y = y1!; y <= y2!; y++) {
      blend(rgb, x1! - t, y, color, 1);
      blend(rgb, x2! + t, y, color, 1);
    }
  }
}

async function main(): Promise<void> {
  const rgb = await frame();
  polygon(rgb, MASK, [160, 160, 160], 0.6, true);
  for (const zone of ZONES) polygon(rgb, zone.polygon, zone.color, 0.25);
  const report: string[] = [];
  for (const object of OBJECTS) {
    const boxNorm = [object.box[0] / W, object.box[1] / H, object.box[2] / W, object.box[3] / H];
    const anchor = anchorPoint(boxNorm);
    const masked = pointInPolygon(anchor, MASK);
    const zones = ZONES.filter((zone) => pointInPolygon(anchor, zone.polygon)).map((zone) => zone.name);
    rectangle(rgb, object.box, masked ? [128, 128, 128] : [255, 255, 255]);
    // The anchor (bottom centre): a filled square in the colour of its zone, grey when masked.
    const color: Rgb = masked ? [128, 128, 128] : (ZONES.find((zone) => zone.name === zones[0])?.color ?? [255, 255, 255]);
    const [ax, ay] = [Math.round(anchor[0] * W), Math.round(anchor[1] * H)];
    for (let dy = -7; dy <= 7; dy++) for (let dx = -7; dx <= 7; dx++) blend(rgb, ax + dx, ay + dy, color, 1);
    report.push(`${object.label}: ${masked ? 'masked (dropped)' : zones.length ? `in ${zones.join(', ')}` : 'in no zone'}`);
  }
  await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${W}x${H}`, '-i', 'pipe:0', '-vf', 'scale=960:540:flags=area', '-frames:v', '1', OUT], {
    input: rgb,
    timeout: 30_000,
  });
  process.stdout.write(`${JSON.stringify({ out: OUT, objects: report })}\n`);
}

await main();
