/**
 * The lavfi graph for `testsrc://` demo cameras: ffmpeg's testsrc2 pattern with a few solid boxes
 * moving on it (so a detector or a viewer sees motion). Boxes are `color` sources overlaid with
 * time-based positions, which costs far less than per-pixel filters: 640x360@10 encodes at ~50x
 * real time with libx264 ultrafast on one core. Only numbers from the parsed source go in, so no
 * user text can reach the filter graph (no `movie=` file reads).
 */

const COLORS = ['white', 'black', 'orange', 'purple', 'lime', 'navy', 'gray', 'brown'] as const;

export interface TestsrcOptions {
  width: number;
  height: number;
  rate: number;
  objects: number;
}

/** One `-i` value for `-f lavfi`; the graph's output pad is `[out0]`. */
export function testsrcGraph({ width, height, rate, objects }: TestsrcOptions): string {
  const size = `${width}x${height}`;
  if (objects === 0) return `testsrc2=size=${size}:rate=${rate}`;
  const parts = [`testsrc2=size=${size}:rate=${rate}[bg0]`];
  for (let index = 0; index < objects; index++) {
    const boxW = Math.max(8, Math.round(width / (8 + index)));
    const boxH = Math.max(8, Math.round(height / (6 + index)));
    const speed = 40 + 23 * index;
    const phase = (index * 1.7).toFixed(1);
    const color = COLORS[index % COLORS.length] ?? 'white';
    const out = index === objects - 1 ? 'out0' : `bg${index + 1}`;
    parts.push(`color=c=${color}:size=${boxW}x${boxH}:rate=${rate}[o${index}]`);
    parts.push(
      `[bg${index}][o${index}]overlay=x=mod(t*${speed}+${index * 97}\\,W-w):y=(H-h)/2+sin(t+${phase})*(H-h)/2:shortest=1[${out}]`,
    );
  }
  return parts.join(';');
}
