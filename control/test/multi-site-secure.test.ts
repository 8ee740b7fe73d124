/**
 * The leaf-node security of docs/multi-site.md, run as documented: the `edge.conf` and `hub.conf`
 * blocks are read from the doc, and only paths, ports, `hub.example` and the site password are
 * replaced before two real nats-servers run them. Certificates come from a throwaway CA (openssl).
 * Site A joins (TLS with its client certificate + its user and password) and a hub subscriber gets
 * what is published at the edge; a site with a wrong password, and a site without a client
 * certificate, are refused by the hub (seen in the servers' own logs).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { freePort, NatsServer, waitFor } from '../../test/support/brokers.ts';
import { makeCa } from './tls-fixtures.ts';

const DOC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'multi-site.md');
const PASSWORD = 'leaf-test-password-1';

/** The fenced ```conf block of the doc whose first line is `# <name>`. */
function docBlock(name: string): string {
  const blocks = [...readFileSync(DOC, 'utf8').matchAll(/```conf\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  const block = blocks.find((text) => text.startsWith(`# ${name}`));
  assert.ok(block, `docs/multi-site.md has a \`\`\`conf block starting with "# ${name}"`);
  return block;
}

let dir: string;
let hub: NatsServer;
let hubPort: number;
let leafPort: number;
const edges: NatsServer[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-leaf-tls-'));
  mkdirSync(join(dir, 'etc'));
  const authority = await makeCa(dir);
  const hubCert = await authority.issue('hub', 'server', ['hub.example']);
  const siteCert = await authority.issue('site-a', 'client');
  // The doc's file names; one test CA plays both the hub's CA and the sites' CA.
  copyFileSync(authority.ca, join(dir, 'etc', 'hub-ca.pem'));
  copyFileSync(authority.ca, join(dir, 'etc', 'sites-ca.pem'));
  copyFileSync(hubCert.cert, join(dir, 'etc', 'hub-cert.pem'));
  copyFileSync(hubCert.key, join(dir, 'etc', 'hub-key.pem'));
  copyFileSync(siteCert.cert, join(dir, 'etc', 'site-a-cert.pem'));
  copyFileSync(siteCert.key, join(dir, 'etc', 'site-a-key.pem'));
  [hubPort, leafPort] = [await freePort(), await freePort()];
  process.env.SITE_A_LEAF_PASSWORD = PASSWORD;
  process.env.SITE_B_LEAF_PASSWORD = 'leaf-test-password-2';
  const conf = docBlock('hub.conf')
    .replaceAll('/etc/nats/', `${dir}/etc/`)
    .replace('/var/lib/nats', `${dir}/hub-js`)
    .replace('0.0.0.0:4222', `127.0.0.1:${hubPort}`)
    .replace('0.0.0.0:7422', `127.0.0.1:${leafPort}`);
  writeFileSync(join(dir, 'hub.conf'), conf);
  hub = new NatsServer('nats-server', ['-c', join(dir, 'hub.conf')], hubPort, join(dir, 'hub-run'));
  await hub.start();
});

after(async () => {
  for (const edge of edges) await edge.stop();
  await hub?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts an edge from the doc's block; `edit` changes the block further (a broken site). */
async function startEdge(name: string, edit: (conf: string) => string = (conf) => conf): Promise<NatsServer> {
  const port = await freePort();
  const conf = edit(
    docBlock('edge.conf')
      .replaceAll('/etc/nats/', `${dir}/etc/`)
      .replace('/var/lib/nats', `${dir}/${name}-js`)
      .replace('server_name: edge-a', `server_name: ${name}`)
      .replace('127.0.0.1:4222', `127.0.0.1:${port}`)
      .replace('hub.example:7422', `127.0.0.1:${leafPort}`)
      .replace('CHANGE-ME', PASSWORD),
  );
  writeFileSync(join(dir, `${name}.conf`), conf);
  const edge = new NatsServer('nats-server', ['-c', join(dir, `${name}.conf`)], port, join(dir, `${name}-run`));
  edges.push(edge);
  await edge.start();
  return edge;
}

void test('site A joins the hub over TLS with its certificate and password; the hub sees its messages', { timeout: 60_000 }, async (t) => {
  const edge = await startEdge('edge-a');
  const hubClient = await connect({ servers: `nats://127.0.0.1:${hubPort}` });
  const edgeClient = await connect({ servers: edge.url });
  t.after(async () => {
    await Promise.all([hubClient.close(), edgeClient.close()]);
  });
  const received: string[] = [];
  hubClient.subscribe('lookout.site-a.*.detections', { callback: (_error, msg) => void received.push(msg.string()) });
  await hubClient.flush();
  await waitFor(
    async () => {
      edgeClient.publish('lookout.site-a.cam1.detections', '{"camera":"cam1"}');
      await edgeClient.flush();
      return received.length > 0;
    },
    30_000,
    `a detection from the edge at the hub (hub log: ${hub.output})`,
  );
  assert.equal(received[0], '{"camera":"cam1"}');
});

void test('a site with a wrong password, and a site without a client certificate, are refused', { timeout: 60_000 }, async () => {
  await startEdge('edge-wrong-password', (conf) => conf.replace(`site-a:${PASSWORD}@`, 'site-a:not-the-password@'));
  await waitFor(() => /authorization violation|authentication error/i.test(hub.output), 30_000, `the hub refusing the wrong password (hub log: ${hub.output})`);
  await startEdge('edge-no-cert', (conf) => conf.replace(/\n\s*cert_file: [^\n]+\n\s*key_file: [^\n]+/, ''));
  await waitFor(() => /TLS.*handshake error.*certificate/i.test(hub.output), 30_000, `the hub refusing a site without a certificate (hub log: ${hub.output})`);
});
