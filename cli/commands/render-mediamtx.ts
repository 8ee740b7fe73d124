import { parseArgs } from 'node:util';
import { ConfigError, loadConfigFile } from '../../common/config/load.ts';
import { createLogger } from '../../common/log.ts';
import { renderEffectiveMediamtxConfig } from '../../gateway/mediamtx/integration.ts';
import { MediamtxConfigError } from '../../gateway/mediamtx/errors.ts';

export const summary = 'render the effective mediamtx config from mediamtx.yml and lookout.yml (for an external mediamtx)';

const USAGE = `usage: lookout render-mediamtx [--config lookout.yml]

Writes mediamtx.rendered_config (relative to state_dir) atomically and prints its path. Used by
systemd/mediamtx.service before it starts mediamtx, with mediamtx.run: external in lookout.yml.
`;

export async function run(argv: string[]): Promise<number> {
  let values: { config: string; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c', default: 'lookout.yml' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    process.stderr.write(`lookout render-mediamtx: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    const config = loadConfigFile(values.config);
    const file = await renderEffectiveMediamtxConfig(config, { logger: createLogger({ level: 'warn', name: 'render-mediamtx' }) });
    process.stdout.write(`${file}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof MediamtxConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
