import { readFile } from 'node:fs/promises';
import { ModelError } from './errors.ts';

/**
 * Reads the custom metadata (`metadata_props`, ModelProto field 14) of an .onnx file.
 * onnxruntime-node does not expose it, and Ultralytics stores class names there (`names`), so we
 * walk the top-level protobuf fields ourselves: a few lines, no protobuf dependency.
 */
export async function readOnnxMetadata(path: string): Promise<Record<string, string>> {
  const bytes = await readFile(path);
  try {
    return parseMetadataProps(bytes);
  } catch (error) {
    throw new ModelError(`${path}: not a readable ONNX model (${(error as Error).message})`);
  }
}

/** Parses metadata_props from the bytes of a serialized ModelProto. */
export function parseMetadataProps(bytes: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of fields(bytes, 0, bytes.length)) {
    if (field.no !== 14 || field.wire !== 2) continue;
    let key = '';
    let value = '';
    for (const inner of fields(bytes, field.start, field.end)) {
      if (inner.wire !== 2) continue;
      const text = Buffer.from(bytes.buffer, bytes.byteOffset + inner.start, inner.end - inner.start).toString('utf8');
      if (inner.no === 1) key = text;
      else if (inner.no === 2) value = text;
    }
    if (key) out[key] = value;
  }
  return out;
}

interface Field {
  no: number;
  wire: number;
  /** For length-delimited fields: the payload range. */
  start: number;
  end: number;
}

function* fields(bytes: Uint8Array, from: number, to: number): Generator<Field> {
  let pos = from;
  const varint = (): number => {
    let result = 0;
    let mul = 1;
    for (;;) {
      if (pos >= to) throw new Error('truncated varint');
      const b = bytes[pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
  };
  while (pos < to) {
    const tag = varint();
    const no = Math.floor(tag / 8);
    const wire = tag & 7;
    let start = pos;
    switch (wire) {
      case 0:
        varint();
        break;
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2: {
        const len = varint();
        start = pos;
        pos += len;
        break;
      }
      default:
        throw new Error(`unsupported protobuf wire type ${wire}`);
    }
    if (pos > to) throw new Error('truncated field');
    yield { no, wire, start, end: pos };
  }
}
