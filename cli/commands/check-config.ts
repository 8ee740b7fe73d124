import { parseArgs } from 'node:util';
import { ConfigError, loadConfigFile } from '../../common/config/load.ts';

export const summary = 'validate lookout.yml and print the effective configuration problems, if any';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c', default: 'lookout.yml' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write('usage: lookout check-config [--config lookout.yml]\n');
    return 0;
  }
  try {
    const config = loadConfigFile(values.config);
    process.stdout.write(`${values.config}: ok (${config.cameras.length} camera(s))\n`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
