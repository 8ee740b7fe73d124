/**
 * Child process for the event store's SIGKILL test: writes events as fast as it can and prints
 * `ack <id>` after each write returned (committed). The test kills it mid-stream.
 * Usage: node --import tsx detector/test/event-store-writer.ts DB_PATH
 */
import { EventStore } from '../event-store/event-store.ts';

const path = process.argv[2];
if (!path) throw new Error('usage: event-store-writer.ts DB_PATH');
const store = await EventStore.open(path);
process.stdout.write(`driver ${store.driver}\n`);
const start = 1_764_596_400;
for (let n = 0; n < 1_000_000; n++) {
  const id = `${(start + n / 1000).toFixed(6)}.w${String(n % 100_000).padStart(5, '0')}`;
  store.upsert({ id, camera: 'front', label: 'person', score: 0.9, firstSeen: (start + n / 1000) * 1000, enteredZones: n % 2 ? ['yard'] : [], box: [1, 2, 3, 4] });
  process.stdout.write(`ack ${id}\n`);
  // Yield now and then so the parent's kill lands while writes are going on.
  if (n % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
}
