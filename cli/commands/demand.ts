import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEMAND_SECRET_ENV } from '../../gateway/mediamtx/boot-secrets.ts';
import { EXIT, runDemandHook } from '../../gateway/mediamtx/demand-hook.ts';

export const summary = 'hold an on-demand lease for a camera (run by mediamtx as runOnDemand)';

const USAGE = `usage: lookout demand <camera> [--gateway http://127.0.0.1:8080]
The gateway's per-boot demand secret is read from the file named by ${DEMAND_SECRET_ENV}
(set by the gateway's mediamtx sidecar, or by systemd/mediamtx.service).
`;

/** The secret file is one short line; anything bigger is not ours. */
const MAX_SECRET_FILE = 1024;

/** Reads the per-boot demand secret, or explains (without the secret) why it cannot. */
function readSecret(env: NodeJS.ProcessEnv): { secret: string } | { error: string } {
  const file = env[DEMAND_SECRET_ENV];
  if (!file) return { error: `${DEMAND_SECRET_ENV} is not set: mediamtx must be started by the gateway (sidecar) or by systemd/mediamtx.service` };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { error: `cannot read ${DEMAND_SECRET_ENV}=${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}); the gateway writes it at start` };
  }
  const secret = text.trim();
  if (secret === '' || text.length > MAX_SECRET_FILE) return { error: `${DEMAND_SECRET_ENV}=${file} does not hold a demand secret` };
  return { secret };
}

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
  const secret = readSecret(process.env);
  if ('error' in secret) {
    process.stderr.write(`lookout demand ${camera}: ${secret.error}\n`);
    return EXIT.refused;
  }
  return runDemandHook({
    camera,
    gatewayUrl: parsed.values.gateway,
    secret: secret.secret,
    token: process.env.LOOKOUT_HTTP_TOKEN,
    report: (line) => process.stderr.write(`${line}\n`),
  });
}
