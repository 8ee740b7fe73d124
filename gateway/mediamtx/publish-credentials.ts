import { randomBytes } from 'node:crypto';
import { secretsEqual } from '../../common/password.ts';
import { secrets as globalSecrets, type SecretRegistry } from '../../common/redact.ts';

/**
 * Per-pipeline publish credentials: the only way to publish into mediamtx. The gateway asks for one
 * right before spawning a camera's ffmpeg child (every pipeline attempt) and puts it in the publish
 * URL; the auth endpoint allows `publish` on that camera's path only with the latest credential
 * issued for it, and only ONCE: the first allowed publish binds the credential to mediamtx's session
 * id, and from then on it is refused for any other session. The URL sits in ffmpeg's argv (readable
 * in /proc/<pid>/cmdline by users systemd's ProtectProc= does not hide it from), so a local user who
 * reads it after the publish started cannot replace the feed with it.
 *
 * mediamtx authenticates an RTSP publisher on ANNOUNCE only (RECORD skips it, shared docs/mediamtx.md
 * §4) and never periodically, so one acceptance is all a real publisher needs. Should it ask again for
 * the same session (same non-null `id`), that is answered "allow" without counting as a new publish.
 *
 * Each `issue()` rotates the secret: a restarted child (a new attempt) gets a new one; the old one
 * stops working at once. Every secret is registered for redaction before it is returned.
 */

export interface PublishCredential {
  user: string;
  password: string;
}

/** How many past secrets per camera stay registered for redaction (a dying child may still log one). */
const REDACT_HISTORY = 2;

/** How a publish attempt's credential was judged. */
export type PublishVerdict =
  /** The credential's first use: the publish starts (a stale publisher may be cleared). */
  | 'first-use'
  /** The session that already used it asks again: allowed, nothing else happens. */
  | 'same-session'
  /** Wrong, revoked, superseded, or already used by another session. */
  | 'refused';

interface Issued extends PublishCredential {
  /** Set on first use: the mediamtx session id (null when mediamtx gave none). */
  usedBy?: string | null;
}

export class PublishCredentials {
  readonly #current = new Map<string, Issued>();
  readonly #history = new Map<string, string[]>();

  constructor(private readonly registry: SecretRegistry = globalSecrets) {}

  /** The publish user for a camera (not secret: it names the pipeline in mediamtx's session list). */
  static userFor(cameraId: string): string {
    return `lookout-pub-${cameraId}`;
  }

  /** A fresh credential for `cameraId`; the previous one stops working at once. */
  issue(cameraId: string): PublishCredential {
    // base64url of 24 random bytes: 32 chars, all in mediamtx's allowed plain-credential set.
    const password = randomBytes(24).toString('base64url').replaceAll('-', 'A').replaceAll('_', 'B');
    this.registry.add(password);
    const history = [...(this.#history.get(cameraId) ?? []), password];
    while (history.length > REDACT_HISTORY) this.registry.delete(history.shift());
    this.#history.set(cameraId, history);
    const credential = { user: PublishCredentials.userFor(cameraId), password };
    this.#current.set(cameraId, { ...credential });
    return credential;
  }

  /**
   * Constant-time check of a publish attempt on `path` by mediamtx session `sessionId`; the first
   * success consumes the credential (synchronously, so two racing attempts cannot both be first).
   */
  accept(path: string, user: string, password: string, sessionId: string | null): PublishVerdict {
    const current = this.#current.get(path);
    // Compare even when nothing was issued, so timing does not reveal which paths have a credential.
    const expected = current ?? { user: '\u0000', password: '\u0000' };
    const userOk = secretsEqual(user, expected.user);
    const passwordOk = secretsEqual(password, expected.password);
    if (current === undefined || !userOk || !passwordOk) return 'refused';
    if (!('usedBy' in current)) {
      current.usedBy = sessionId;
      return 'first-use';
    }
    return sessionId !== null && current.usedBy === sessionId ? 'same-session' : 'refused';
  }

  /** True while `cameraId` has an issued credential that no publish has used yet. */
  unused(cameraId: string): boolean {
    const current = this.#current.get(cameraId);
    return current !== undefined && !('usedBy' in current);
  }

  /** Forgets a camera's credential (camera removed or pipeline stopped for good). */
  revoke(cameraId: string): void {
    this.#current.delete(cameraId);
  }
}
