import { randomBytes } from 'node:crypto';
import { secretsEqual } from '../../common/password.ts';
import { secrets as globalSecrets, type SecretRegistry } from '../../common/redact.ts';

/**
 * Per-pipeline publish credentials: the only way to publish into mediamtx. The gateway asks for one
 * right before spawning a camera's ffmpeg child and puts it in the publish URL; the auth endpoint
 * allows `publish` on that camera's path only with the latest credential issued for it.
 *
 * Each `issue()` rotates the secret (a restarted child gets a new one; RECORD does not re-authenticate,
 * so the running stream is unaffected). Every secret is registered for redaction before it is returned.
 */

export interface PublishCredential {
  user: string;
  password: string;
}

/** How many past secrets per camera stay registered for redaction (a dying child may still log one). */
const REDACT_HISTORY = 2;

export class PublishCredentials {
  readonly #current = new Map<string, PublishCredential>();
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
    this.#current.set(cameraId, credential);
    return credential;
  }

  /** Constant-time check of a publish attempt on `path`. */
  verify(path: string, user: string, password: string): boolean {
    const current = this.#current.get(path);
    // Compare even when nothing was issued, so timing does not reveal which paths have a credential.
    const expected = current ?? { user: '\u0000', password: '\u0000' };
    const userOk = secretsEqual(user, expected.user);
    const passwordOk = secretsEqual(password, expected.password);
    return current !== undefined && userOk && passwordOk;
  }

  /** Forgets a camera's credential (camera removed or pipeline stopped for good). */
  revoke(cameraId: string): void {
    this.#current.delete(cameraId);
  }
}
