/**
 * Event ids in Frigate's style: `<start time in seconds with 6 decimals>.<6 random [a-z0-9]>`, e.g.
 * `1700000000.123456.k3x9q0`. Unique without a counter (so a restart never reuses one), sortable by
 * start time, and free of the camera id, so nothing ever needs to parse an id.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export const EVENT_ID_PATTERN = /^\d+\.\d{6}\.[a-z0-9]{6}$/;

export function eventId(startMs: number): string {
  const bytes = randomBytes(6);
  let suffix = '';
  // 256 % 36 = 4: the first four characters are very slightly likelier; irrelevant for uniqueness.
  for (const byte of bytes) suffix += ALPHABET[byte % ALPHABET.length];
  return `${(startMs / 1000).toFixed(6)}.${suffix}`;
}
