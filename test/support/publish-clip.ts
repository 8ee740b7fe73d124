/**
 * A clip published in real time, looping, into the RTSP stand-in (UDP: the stand-in speaks only
 * UDP), the way a camera's stream arrives; resolves once the stand-in lists the mount. Tests and
 * benchmarks that need a live RTSP source use this one helper.
 */
import { SupervisedChild } from '../../common/child/supervised-child.ts';
import { sleep } from '../../common/lifecycle/sleep.ts';
import type { RtspStandIn } from './rtsp-stand-in.ts';

/** Starts the publisher and waits (bounded by `timeoutMs`) for the mount; throws if it never shows. */
export async function publishClip(server: RtspStandIn, clip: string, path: string, timeoutMs = 20_000): Promise<SupervisedChild> {
  const child = SupervisedChild.spawn({
    name: `publisher-${path}`,
    command: 'ffmpeg',
    args: ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', clip, '-c', 'copy', '-f', 'rtsp', '-rtsp_transport', 'udp', server.publishUrl(path)],
  });
  const mounted = () => server.mounts().some((mount) => mount.endsWith(`/${path}`));
  const deadline = Date.now() + timeoutMs;
  while (!mounted() && child.running && Date.now() < deadline) await sleep(100);
  if (!mounted()) {
    await child.stop();
    throw new Error(`${path} was not published within ${timeoutMs} ms: ${child.stderrTail().join(' | ')}`);
  }
  return child;
}
