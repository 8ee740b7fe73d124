/**
 * A fresh private state directory for a service under test, so tests never share the default
 * `./state` of the checkout (events.db, orphan registries and secrets are per instance, and a
 * second running instance on the same state_dir is refused). Removed when the test process exits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made = new Set<string>();
let hooked = false;

export function tempStateDir(prefix = 'lookout-state-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const path of made) rmSync(path, { recursive: true, force: true });
    });
  }
  return dir;
}
