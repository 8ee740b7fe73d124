/**
 * Classifies a camera `source` string (already checked against SOURCE_PATTERN by the config schema)
 * into the input kind that decides ffmpeg's input options and protocol whitelist. In common/config
 * because both the gateway (publish args) and the detector (decoder args) read it.
 */

export type SourceKind = 'rtsp' | 'http' | 'rtmp' | 'v4l2' | 'file' | 'testsrc';

export type CameraSource =
  | { kind: 'rtsp' | 'http' | 'rtmp'; url: string }
  | { kind: 'v4l2'; device: string }
  | { kind: 'file'; path: string }
  | { kind: 'testsrc'; width: number; height: number; rate: number; objects: number };

/** A source the gateway cannot turn into ffmpeg input; the message never contains the URL. */
export class SourceError extends Error {
  override readonly name = 'SourceError';
}

export const TESTSRC_DEFAULTS = { width: 640, height: 360, rate: 10, objects: 2 } as const;

const TESTSRC_LIMITS = {
  width: [16, 3840],
  height: [16, 2160],
  rate: [1, 60],
  objects: [0, 8],
} as const satisfies Record<keyof typeof TESTSRC_DEFAULTS, readonly [number, number]>;

function parseTestsrc(source: string): CameraSource {
  const query = source.slice('testsrc://'.length).replace(/^\/?\??/, '');
  const params = new URLSearchParams(query);
  const out: { width: number; height: number; rate: number; objects: number } = { ...TESTSRC_DEFAULTS };
  for (const [key, value] of params) {
    if (key === 'size') {
      const match = /^(\d+)x(\d+)$/.exec(value);
      if (!match) throw new SourceError(`testsrc size must be WxH such as 640x360 (got "${value.slice(0, 20)}")`);
      out.width = Number(match[1]);
      out.height = Number(match[2]);
    } else if (key === 'rate' || key === 'objects') {
      if (!/^\d+$/.test(value)) throw new SourceError(`testsrc ${key} must be a whole number (got "${value.slice(0, 20)}")`);
      out[key] = Number(value);
    } else {
      throw new SourceError(`testsrc has no parameter "${key.slice(0, 20)}" (known: size, rate, objects)`);
    }
  }
  for (const key of Object.keys(TESTSRC_LIMITS) as Array<keyof typeof TESTSRC_LIMITS>) {
    const [min, max] = TESTSRC_LIMITS[key];
    if (out[key] < min || out[key] > max) throw new SourceError(`testsrc ${key} must be between ${min} and ${max} (got ${out[key]})`);
  }
  // libx264 with yuv420p needs even dimensions.
  out.width -= out.width % 2;
  out.height -= out.height % 2;
  return { kind: 'testsrc', ...out };
}

/** Parses a validated source string into its kind and details. */
export function parseCameraSource(source: string): CameraSource {
  const scheme = /^([a-z0-9]+):/i.exec(source)?.[1]?.toLowerCase();
  switch (scheme ?? '') {
    case 'rtsp':
    case 'rtsps':
      return { kind: 'rtsp', url: source };
    case 'http':
    case 'https':
      return { kind: 'http', url: source };
    case 'rtmp':
    case 'rtmps':
      return { kind: 'rtmp', url: source };
    case 'v4l2':
      return { kind: 'v4l2', device: source.slice('v4l2://'.length) };
    case 'file':
      return { kind: 'file', path: decodeURIComponent(source.slice('file://'.length)) };
    case 'testsrc':
      return parseTestsrc(source);
    default:
      if (/^\/dev\/video\d+$/.test(source)) return { kind: 'v4l2', device: source };
      throw new SourceError(`unsupported source scheme "${(scheme ?? '').slice(0, 16)}"`);
  }
}
