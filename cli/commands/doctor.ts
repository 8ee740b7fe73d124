import { parseArgs } from 'node:util';
import { formatReport, runDoctor } from '../../appliance/doctor.ts';

export const summary = 'check ffmpeg, mediamtx, /dev/dri, the model, brokers, the config and each camera input; a report for support requests';

const USAGE = `usage: lookout doctor [--config lookout.yml] [--json]

Checks ffmpeg (version, hwaccels), the mediamtx binary, /dev/dri access, that the configured (or
bundled) model loads in onnxruntime, that the MQTT/NATS brokers accept a TCP connection, the
config, and each camera input with ffprobe (size, codec, fps, keyframe interval, B-frames; a few
seconds each, within a deadline; see docs/cameras.md). Prints ok / warn / fail per check; exits 1
when any check fails.
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string', short: 'c' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const report = await runDoctor({ configPath: values.config ?? 'lookout.yml', configExplicit: values.config !== undefined });
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.fail > 0 ? 1 : 0;
}
