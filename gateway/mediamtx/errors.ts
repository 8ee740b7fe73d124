/**
 * Named errors of the mediamtx integration. None of their messages carries a secret: URLs are
 * built from host:port only and API error bodies are passed through the redaction registry.
 */
import { secrets } from '../../common/redact.ts';

/** The rendered config would contain a key mediamtx v1.20.1 does not know (it would refuse to start). */
export class MediamtxConfigKeyError extends Error {
  override readonly name = 'MediamtxConfigKeyError';
  constructor(
    readonly keyPath: string,
    detail: string,
  ) {
    super(`mediamtx config: unknown key "${keyPath}" (${detail}); mediamtx v1.20.1 refuses unknown keys`);
  }
}

/** The base config or lookout.yml leads to a mediamtx config we will not write. */
export class MediamtxConfigError extends Error {
  override readonly name = 'MediamtxConfigError';
}

/** No mediamtx binary was found: the message says how to install it and what still works without it. */
export class MediamtxNotFoundError extends Error {
  override readonly name = 'MediamtxNotFoundError';
  constructor(readonly searched: readonly string[]) {
    super(
      [
        `mediamtx binary not found (looked at: ${searched.join(', ')}).`,
        'Install the pinned version with: bash scripts/install-mediamtx.sh   (puts it in ./bin/mediamtx),',
        'or set mediamtx.bin in lookout.yml or MEDIAMTX_BIN to its path.',
        'Without mediamtx, run with mediamtx.enabled: false: the gateway then publishes to an external RTSP server',
        '(pipelines.publish_url) and the detector can read cameras directly (cameras[].detect.read_from: source).',
      ].join('\n'),
    );
  }
}

/** The Control API answered `{status:"error", error}` (or another non-2xx status). */
export class MediamtxApiError extends Error {
  override readonly name = 'MediamtxApiError';
  constructor(
    readonly status: number,
    readonly apiMessage: string,
    readonly route: string,
  ) {
    super(`mediamtx API ${route}: HTTP ${status}: ${secrets.redact(apiMessage)}`);
  }
}

/** A Control API call did not answer within its deadline. */
export class MediamtxTimeoutError extends Error {
  override readonly name = 'MediamtxTimeoutError';
  constructor(
    readonly route: string,
    readonly timeoutMs: number,
  ) {
    super(`mediamtx API ${route}: no answer within ${timeoutMs} ms`);
  }
}

/** The Control API could not be reached (connection refused/reset), or answered something unparseable. */
export class MediamtxUnavailableError extends Error {
  override readonly name = 'MediamtxUnavailableError';
  constructor(
    readonly route: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`mediamtx API ${route}: unavailable: ${secrets.redact(reason)}`, options);
  }
}

/** The sidecar did not become ready (GET /v3/info) within its deadline. */
export class MediamtxReadyTimeoutError extends Error {
  override readonly name = 'MediamtxReadyTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`mediamtx did not answer GET /v3/info within ${timeoutMs} ms`);
  }
}
