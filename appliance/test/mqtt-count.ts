/**
 * Counting MQTT publications with the real `mosquitto_sub -v` (one line per message, `topic payload`),
 * for the "exactly one stream/state per change" tests. Ready once a probe message came through, so
 * nothing published after the call is missed.
 */
import { execa, type ResultPromise } from 'execa';
import mqtt from 'mqtt';
import { waitFor } from '../../test/support/brokers.ts';

/** `mosquitto_sub -v` on `filter` (with `-R`: no retained messages), ready once a probe came through. */
export async function subscribeCounting(brokerUrl: string, filter: string, probeTopic: string, retained = false): Promise<{ lines: () => string[]; stop: () => Promise<void> }> {
  const url = new URL(brokerUrl);
  const child: ResultPromise = execa('mosquitto_sub', ['-h', url.hostname, '-p', url.port, '-v', ...(retained ? [] : ['-R']), '-t', filter, '-t', probeTopic], {
    reject: false,
    forceKillAfterDelay: 2000,
    buffer: false,
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const lines = () => text.split('\n').filter((line) => line.length > 0 && !line.startsWith(probeTopic));
  const probe = await mqtt.connectAsync(brokerUrl, { reconnectPeriod: 0 });
  try {
    await waitFor(
      async () => {
        await probe.publishAsync(probeTopic, 'probe', { qos: 0 });
        await new Promise((resolve) => setTimeout(resolve, 100));
        return text.includes(probeTopic);
      },
      10_000,
      'mosquitto_sub subscribed',
    );
  } finally {
    await probe.endAsync();
  }
  return {
    lines,
    stop: async () => {
      child.kill('SIGTERM');
      await child;
    },
  };
}

