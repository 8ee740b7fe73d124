/**
 * The RTSP stand-in (test/support/rtsp-stand-in.ts) as its own process, so relaying RTP for the
 * soak's cameras never delays the orchestrator's own probes (a late /healthz answer must be the
 * gateway's fault, not ours). Prints one JSON line with its ports, exits on SIGTERM or stdin EOF.
 */
import { startRtspStandIn } from '../../test/support/rtsp-stand-in.ts';

const server = await startRtspStandIn();
process.stdout.write(`${JSON.stringify({ publishPort: server.publishPort, readPort: server.readPort })}\n`);
let closing = false;
const close = async () => {
  if (closing) return;
  closing = true;
  await server.close();
  process.exit(0);
};
process.on('SIGTERM', () => void close());
process.on('SIGINT', () => void close());
process.stdin.on('end', () => void close());
process.stdin.resume();
