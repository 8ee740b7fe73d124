/**
 * A raw HTTP/1.1 client over `node:net` for tests that must send what fetch/undici refuse to:
 * malformed request lines, absolute-form targets, bad percent-encoding, huge headers, a foreign
 * Host. Connects to 127.0.0.1 only, sends the bytes as given, reads until the server closes (or
 * the deadline), and parses the status line, headers and a JSON body when there is one.
 */
import { connect } from 'node:net';

export interface RawReply {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The parsed body when it is JSON, else undefined. */
  json: unknown;
}

function parse(raw: Buffer): RawReply {
  const text = raw.toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  const head = split >= 0 ? text.slice(0, split) : text;
  let body = split >= 0 ? text.slice(split + 4) : '';
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  body = Buffer.from(body, 'latin1').toString('utf8');
  let json: unknown;
  try {
    json = body ? JSON.parse(body) : undefined;
  } catch {
    json = undefined;
  }
  return { status, headers, text: body, json };
}

function dechunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    if (lineEnd < 0) return out;
    const size = Number.parseInt(rest.slice(0, lineEnd), 16);
    if (!Number.isFinite(size) || size === 0) return out;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 4 + size);
  }
}

/** Sends `request` (the whole message, CRLFs included) to 127.0.0.1:port; resolves with the reply. */
export function rawRequest(port: number, request: string | Buffer, deadlineMs = 20_000): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete reply within ${deadlineMs} ms`));
    }, deadlineMs);
    const finish = () => {
      clearTimeout(timer);
      if (chunks.length === 0) reject(new Error('connection closed without a reply'));
      else resolve(parse(Buffer.concat(chunks)));
    };
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => socket.end());
    socket.on('close', finish);
    // The server may answer and close before it read everything (431, 413): a reset then is fine.
    socket.on('error', () => undefined);
    socket.write(request);
  });
}

/** Builds a request message: request line, headers (`Connection: close` added), optional body. */
export function message(requestLine: string, headers: Array<[string, string]>, body?: string): string {
  const all = [...headers];
  if (!all.some(([name]) => name.toLowerCase() === 'connection')) all.push(['Connection', 'close']);
  if (body !== undefined) all.push(['Content-Length', String(Buffer.byteLength(body))]);
  return `${requestLine}\r\n${all.map(([name, value]) => `${name}: ${value}`).join('\r\n')}\r\n\r\n${body ?? ''}`;
}
