/**
 * Secret redaction for anything that may reach a log line, an error message or a metric label.
 * Camera URLs carry passwords (`rtsp://user:pass@host`), query strings carry tokens.
 */

const REDACTED = '***';

const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]*)(?::[^/@\s]*)?@/gi;
const SECRET_QUERY = /([?&](?:password|pass|pwd|token|key|secret|auth|jwt|sig|signature)=)[^&\s"']*/gi;

/** Replaces the password in URL user-info and secret-looking query values inside free text. */
export function redactText(text: string): string {
  return text
    .replace(URL_USERINFO, (_all, scheme: string, user: string) => `${scheme}${user ? `${user}:${REDACTED}` : REDACTED}@`)
    .replace(SECRET_QUERY, `$1${REDACTED}`);
}

/** Redacts a URL for display; never throws on malformed input. */
export function redactUrl(url: string): string {
  return redactText(url);
}

/** Extra literal secrets (per-pipeline publish secrets, tokens) that must never be printed. */
export class SecretRegistry {
  readonly #secrets = new Set<string>();

  add(secret: string | undefined): void {
    if (secret && secret.length >= 4) this.#secrets.add(secret);
  }

  delete(secret: string | undefined): void {
    if (secret) this.#secrets.delete(secret);
  }

  redact(text: string): string {
    let out = redactText(text);
    for (const secret of this.#secrets) out = out.split(secret).join(REDACTED);
    return out;
  }
}

export const secrets = new SecretRegistry();

/** Field names whose values are secrets: config errors never echo them. */
export function isSecretKey(key: string): boolean {
  return /pass(word)?|token|secret|credential|key$/i.test(key);
}
