import { loadCommandConfig } from '../config-command.ts';
import { createLogger } from '../../common/log.ts';
import { renderEffectiveMediamtxConfig } from '../../gateway/mediamtx/integration.ts';
import { MediamtxConfigError } from '../../gateway/mediamtx/errors.ts';

export const summary = 'render the effective mediamtx config from mediamtx.yml and lookout.yml (for an external mediamtx)';

const USAGE = `usage: lookout render-mediamtx [--config lookout.yml]

Writes mediamtx.rendered_config (relative to state_dir) atomically and prints its path. Used by
systemd/mediamtx.service before it starts mediamtx, with mediamtx.run: external in lookout.yml.
`;

export async function run(argv: string[]): Promise<number> {
  const config = loadCommandConfig('render-mediamtx', argv, USAGE);
  if (typeof config === 'number') return config;
  try {
    const file = await renderEffectiveMediamtxConfig(config, { logger: createLogger({ level: 'warn', name: 'render-mediamtx' }) });
    process.stdout.write(`${file}\n`);
    return 0;
  } catch (error) {
    if (error instanceof MediamtxConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
