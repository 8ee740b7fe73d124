import { parseArgs } from 'node:util';
import { ConfigError, loadConfigFile } from '../common/config/load.ts';
import type { LookoutConfig } from '../common/config/schema.ts';

/**
 * The shared start of every `lookout <command> --config F` command: parse `--config`/`--help`, load
 * and validate the file. Returns the config, or the exit code when the command must stop here
 * (0 after --help, 2 on bad arguments, 1 on a config error, printed with every offending key).
 */
export function loadCommandConfig(command: string, argv: string[], usage: string): LookoutConfig | number {
  let values: { config: string; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c', default: 'lookout.yml' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    process.stderr.write(`lookout ${command}: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  try {
    return loadConfigFile(values.config);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
