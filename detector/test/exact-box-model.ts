/**
 * A pixel-exact colour-box detector, written as a real ONNX model for onnxruntime: per class, the
 * pixels of its colour (red "person", green "car", as the test clips draw them) are thresholded and
 * the model answers the bounding box of those pixels (end-to-end layout [1, 2, 6]: x1, y1, x2, y2,
 * score, class, in model-input pixels; score 0 when the colour is absent). The trained test models
 * are accurate to a few model pixels only; geometry tests need to know where a box must land to
 * the pixel, and this one computes it from the frame the decoder delivered. Built at test time
 * with a few lines of protobuf encoding (no ONNX tooling is installed here).
 */
import { writeFileSync } from 'node:fs';

type Bytes = Uint8Array;

function varint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}

const concat = (parts: Bytes[]): Bytes => Uint8Array.from(parts.flatMap((part) => [...part]));
const tag = (field: number, wire: number): number[] => varint(field * 8 + wire);
const int = (field: number, value: number): Bytes => Uint8Array.from([...tag(field, 0), ...varint(value)]);
const message = (field: number, body: Bytes): Bytes => Uint8Array.from([...tag(field, 2), ...varint(body.length), ...body]);
const text = (field: number, value: string): Bytes => message(field, new TextEncoder().encode(value));

/** AttributeProto: name 1, f 2, i 3, ints 8, type 20 (FLOAT 1, INT 2, INTS 7). */
function attribute(name: string, value: number | number[] | { float: number }): Bytes {
  if (Array.isArray(value)) return concat([text(1, name), ...value.map((item) => int(8, item)), int(20, 7)]);
  if (typeof value === 'object') {
    const f = new Uint8Array(4);
    new DataView(f.buffer).setFloat32(0, value.float, true);
    return concat([text(1, name), Uint8Array.from([...tag(2, 5), ...f]), int(20, 1)]);
  }
  return concat([text(1, name), int(3, value), int(20, 2)]);
}

/** NodeProto: input 1, output 2, name 3, op_type 4, attribute 5. */
function node(op: string, inputs: string[], output: string, attributes: Record<string, number | number[] | { float: number }> = {}): Bytes {
  return concat([...inputs.map((input) => text(1, input)), text(2, output), text(3, output), text(4, op), ...Object.entries(attributes).map(([name, value]) => message(5, attribute(name, value)))]);
}

/** TensorProto: dims 1, data_type 2 (FLOAT 1, INT64 7), name 8, raw_data 9. */
function tensor(name: string, dims: number[], type: 'float' | 'int64', values: number[]): Bytes {
  const raw = new Uint8Array(values.length * (type === 'float' ? 4 : 8));
  const view = new DataView(raw.buffer);
  values.forEach((value, index) => (type === 'float' ? view.setFloat32(index * 4, value, true) : view.setBigInt64(index * 8, BigInt(value), true)));
  return concat([...dims.map((dim) => int(1, dim)), int(2, type === 'float' ? 1 : 7), text(8, name), message(9, raw)]);
}

/** ValueInfoProto of a float tensor with fixed dims. */
function valueInfo(name: string, dims: number[]): Bytes {
  const shape = concat(dims.map((dim) => message(1, int(1, dim))));
  return concat([text(1, name), message(2, message(1, concat([int(1, 1), message(2, shape)])))]);
}

/** Colour thresholds per class on 0..1 input: [channel that must be high, the two that must be low]. */
const CLASSES: Array<{ name: string; high: number; low: [number, number] }> = [
  { name: 'person', high: 0, low: [1, 2] },
  { name: 'car', high: 1, low: [0, 2] },
];

/** Writes the model (input `images` [1, 3, size, size]) to `path`. */
export function writeExactBoxModel(path: string, size: number): void {
  const nodes: Bytes[] = [];
  const inits: Bytes[] = [
    tensor('hi', [], 'float', [0.6]),
    tensor('lo', [], 'float', [0.35]),
    tensor('one', [], 'int64', [1]),
    tensor('channel_axis', [1], 'int64', [1]),
    ...[0, 1, 2].flatMap((c) => [tensor(`start${c}`, [1], 'int64', [c]), tensor(`end${c}`, [1], 'int64', [c + 1])]),
  ];
  for (let c = 0; c < 3; c++) nodes.push(node('Slice', ['images', `start${c}`, `end${c}`, 'channel_axis'], `ch${c}`));
  const rows: string[] = [];
  CLASSES.forEach((cls, k) => {
    const p = `c${k}_`;
    nodes.push(node('Greater', [`ch${cls.high}`, 'hi'], `${p}high`));
    nodes.push(node('Less', [`ch${cls.low[0]}`, 'lo'], `${p}low0`));
    nodes.push(node('Less', [`ch${cls.low[1]}`, 'lo'], `${p}low1`));
    nodes.push(node('And', [`${p}low0`, `${p}low1`], `${p}low`));
    nodes.push(node('And', [`${p}high`, `${p}low`], `${p}maskb`));
    nodes.push(node('Cast', [`${p}maskb`], `${p}mask`, { to: 1 }));
    // [1, 1, size] per column (any row has the colour) and per row.
    nodes.push(node('ReduceMax', [`${p}mask`], `${p}cols`, { axes: [2], keepdims: 0 }));
    nodes.push(node('ReduceMax', [`${p}mask`], `${p}rows`, { axes: [3], keepdims: 0 }));
    for (const [axis, name] of [
      ['cols', 'x'],
      ['rows', 'y'],
    ] as const) {
      nodes.push(node('ArgMax', [`${p}${axis}`], `${p}${name}1i`, { axis: 2, keepdims: 1, select_last_index: 0 }));
      nodes.push(node('ArgMax', [`${p}${axis}`], `${p}${name}2last`, { axis: 2, keepdims: 1, select_last_index: 1 }));
      nodes.push(node('Add', [`${p}${name}2last`, 'one'], `${p}${name}2i`));
      nodes.push(node('Cast', [`${p}${name}1i`], `${p}${name}1`, { to: 1 }));
      nodes.push(node('Cast', [`${p}${name}2i`], `${p}${name}2`, { to: 1 }));
    }
    nodes.push(node('ReduceMax', [`${p}cols`], `${p}score`, { axes: [2], keepdims: 1 }));
    inits.push(tensor(`${p}class`, [1, 1, 1], 'float', [k]));
    nodes.push(node('Concat', [`${p}x1`, `${p}y1`, `${p}x2`, `${p}y2`, `${p}score`, `${p}class`], `${p}row`, { axis: 2 }));
    rows.push(`${p}row`);
  });
  nodes.push(node('Concat', rows, 'output0', { axis: 1 }));
  const graph = concat([
    ...nodes.map((item) => message(1, item)),
    text(2, 'exact-colour-boxes'),
    ...inits.map((item) => message(5, item)),
    message(11, valueInfo('images', [1, 3, size, size])),
    message(12, valueInfo('output0', [1, CLASSES.length, 6])),
  ]);
  const names = `{${CLASSES.map((cls, k) => `${k}: '${cls.name}'`).join(', ')}}`;
  const model = concat([
    int(1, 7),
    text(2, 'lookout-tests'),
    message(7, graph),
    message(8, concat([text(1, ''), int(2, 13)])),
    message(14, concat([text(1, 'names'), text(2, names)])),
  ]);
  writeFileSync(path, model);
}
