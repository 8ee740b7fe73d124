import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { MediamtxNotFoundError } from './errors.ts';

export interface LocateOptions {
  /** `mediamtx.bin` from lookout.yml. */
  configured?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Directory holding ./bin/mediamtx (the install script's default target). Default process.cwd(). */
  cwd?: string;
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the mediamtx binary, in order: `mediamtx.bin`, `MEDIAMTX_BIN`, `./bin/mediamtx`, PATH.
 * An explicitly configured path that is not executable is not silently skipped: it is an error.
 */
export function locateMediamtx(options: LocateOptions = {}): string {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.configured ?? env.MEDIAMTX_BIN;
  if (explicit) {
    const file = resolve(cwd, explicit);
    if (isExecutableFile(file)) return file;
    throw new MediamtxNotFoundError([`${file} (${options.configured ? 'mediamtx.bin' : 'MEDIAMTX_BIN'}: missing or not executable)`]);
  }
  const searched: string[] = [];
  const local = join(cwd, 'bin', 'mediamtx');
  searched.push(local);
  if (isExecutableFile(local)) return local;
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'mediamtx');
    if (isExecutableFile(candidate)) return candidate;
  }
  searched.push('PATH');
  throw new MediamtxNotFoundError(searched);
}
