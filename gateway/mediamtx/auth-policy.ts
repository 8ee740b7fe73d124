/**
 * Who may do what on the mediamtx sidecar. Pure decision logic behind the HTTP auth endpoint, so
 * the tables of real request bodies can be tested without a server.
 *
 * Deny by default. publish: only the per-pipeline credential issued for THAT path, from loopback,
 * accepted once (publish-credentials.ts). read: viewers from lookout.yml (scrypt hashes, optional
 * per-camera list) and the detector's own credential. api/metrics: from loopback AND with the
 * gateway's per-boot API credential (boot-secrets.ts); being a local user is not enough, since the
 * Control API can add paths that run commands. playback/pprof: denied (those servers are off).
 * An attempt without any credential gets 401 so RTSP clients retry with theirs (mediamtx §4).
 */
import { z } from 'zod';
import { hashPassword, secretsEqual, verifyPassword } from '../../common/password.ts';
import type { ViewerConfig } from '../../common/config/schema-mediamtx.ts';
import type { PublishCredentials } from './publish-credentials.ts';
import { VerifiedCache } from './verified-cache.ts';

/** Exactly the body mediamtx v1.20.1 POSTs (internal/auth/manager.go `authenticateHTTP`). */
export const authRequestSchema = z.strictObject({
  ip: z.string().max(64),
  user: z.string().max(1024),
  password: z.string().max(4096),
  token: z.string().max(8192),
  action: z.enum(['publish', 'read', 'playback', 'api', 'metrics', 'pprof']),
  path: z.string().max(1024),
  protocol: z.enum(['rtsp', 'rtmp', 'hls', 'webrtc', 'srt', 'moq', '']),
  id: z.string().max(64).nullable(),
  query: z.string().max(8192),
  userAgent: z.string().max(1024),
});

export type AuthRequest = z.output<typeof authRequestSchema>;

export interface AuthDecision {
  allow: boolean;
  /** HTTP status for mediamtx: 2xx allows, anything else denies. */
  status: 200 | 401 | 403;
  /** Short reason for the log line (never contains a credential). */
  reason: string;
  /** True for a publish credential's first use: a stale publisher on the path may be cleared. */
  firstPublish?: boolean;
}

export interface AuthPolicyOptions {
  /** Paths that exist: the ids of enabled cameras. */
  cameraIds: Iterable<string>;
  viewers: readonly ViewerConfig[];
  detector: { user: string; password?: string | undefined };
  publishCredentials: PublishCredentials;
  /** The per-boot credential mediamtx's api/metrics actions need (boot-secrets.ts). */
  apiCredential: { user: string; password: string };
  /** Cache of verified viewer passwords (default: 60 s, 256 entries). */
  verifiedCache?: VerifiedCache;
}

/** IPv4 127.0.0.0/8, IPv6 ::1, and IPv4-mapped loopback. */
export function isLoopback(ip: string): boolean {
  const bare = ip.replace(/^::ffff:/i, '');
  return bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

const allow = (reason: string): AuthDecision => ({ allow: true, status: 200, reason });
const deny = (reason: string, status: 401 | 403 = 403): AuthDecision => ({ allow: false, status, reason });

export class AuthPolicy {
  readonly #cameras: ReadonlySet<string>;
  readonly #viewers: ReadonlyMap<string, ViewerConfig>;
  readonly #verified: VerifiedCache;
  #dummyHash: Promise<string> | undefined;

  constructor(private readonly options: AuthPolicyOptions) {
    this.#verified = options.verifiedCache ?? new VerifiedCache();
    this.#cameras = new Set(options.cameraIds);
    this.#viewers = new Map(options.viewers.map((viewer) => [viewer.user, viewer]));
  }

  async decide(request: AuthRequest): Promise<AuthDecision> {
    switch (request.action) {
      case 'api':
      case 'metrics':
        return this.#decideApi(request);
      case 'pprof':
      case 'playback':
        return deny(`${request.action} is not offered`);
      case 'publish':
      case 'read':
        return this.#decideStream(request);
    }
  }

  #decideApi(request: AuthRequest): AuthDecision {
    if (!isLoopback(request.ip)) return deny(`${request.action} only from loopback`);
    if (request.user === '' && request.password === '') return deny(`${request.action} needs the per-boot API credential`, 401);
    const expected = this.options.apiCredential;
    const userOk = secretsEqual(request.user, expected.user);
    const passwordOk = secretsEqual(request.password, expected.password);
    return userOk && passwordOk ? allow(`${request.action} with the per-boot credential`) : deny(`${request.action}: bad API credential`);
  }

  async #decideStream(request: AuthRequest): Promise<AuthDecision> {
    if (!this.#cameras.has(request.path)) return deny('unknown path');
    if (request.user === '' && request.password === '') return deny('credentials required', 401);
    if (request.action === 'publish') {
      if (!isLoopback(request.ip)) return deny('publish only from loopback');
      const verdict = this.options.publishCredentials.accept(request.path, request.user, request.password, request.id);
      if (verdict === 'first-use') return { ...allow('pipeline credential, first use'), firstPublish: true };
      if (verdict === 'same-session') return allow('pipeline credential, same session again');
      return deny('bad or already used publish credential');
    }
    const detector = this.options.detector;
    if (detector.password !== undefined && request.user === detector.user) {
      return secretsEqual(request.password, detector.password) ? allow('detector credential') : deny('bad detector credential');
    }
    const viewer = this.#viewers.get(request.user);
    // The cache is scoped by the stored hash, so a changed password_hash never matches an old entry.
    const cached = viewer !== undefined && this.#verified.has(request.user, request.password, viewer.password_hash);
    // Unknown users still pay for one scrypt run, so timing does not reveal which users exist.
    const ok = cached || (viewer ? await verifyPassword(request.password, viewer.password_hash) : await this.#burnDummy(request.password));
    if (!viewer || !ok) return deny('bad viewer credential');
    if (!cached) this.#verified.add(request.user, request.password, viewer.password_hash);
    if (viewer.cameras.length > 0 && !viewer.cameras.includes(request.path)) return deny('viewer not allowed on this camera');
    return allow('viewer');
  }

  async #burnDummy(password: string): Promise<false> {
    this.#dummyHash ??= hashPassword('lookout-dummy-password');
    await verifyPassword(password, await this.#dummyHash);
    return false;
  }
}
