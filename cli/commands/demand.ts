import { parseArgs } from 'node:util';
import { EXIT, runDemandHook } from '../../gateway/mediamtx/demand-hook.ts';

export const summary = 'hold an on-demand lease for a camera (run by mediamtx as runOnDemand)';

const USAGE = 'usage: lookout demand <camera> [--gateway http://127.0.0.1:8080]\n';

/** Exit codes: 0 released on SIGINT/SIGTERM, 2 refused, 3 gateway gone, 4 mediamtx gone, 64 usage. */
export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { gateway: { type: 'string', default: 'http://127.0.0.1:8080' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return EXIT.usage;
  }
  if (parsed.values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const camera = parsed.positionals[0];
  if (!camera || parsed.positionals.length > 1 || !/^[a-z0-9_-]{1,64}$/.test(camera)) {
    process.stderr.write(`lookout demand: expected one camera id matching [a-z0-9_-]{1,64}\n${USAGE}`);
    return EXIT.usage;
  }
  return runDemandHook({
    camera,
    gatewayUrl: parsed.values.gateway,
    token: process.env.LOOKOUT_HTTP_TOKEN,
    report: (line) => process.stderr.write(`${line}\n`),
  });
}
