/**
 * Throwaway TLS material for tests, made with `openssl` in a temp dir: one CA and certificates it
 * signs (EC P-256, valid one day), server certificates for 127.0.0.1/localhost plus extra names.
 * Nothing here is a fake: the files are real PEM and the servers verify them.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export interface Certificate {
  cert: string;
  key: string;
}

/** A CA in `dir` (`<name>.pem`, `<name>.key`) that can sign server and client certificates. */
export async function makeCa(dir: string, name = 'ca'): Promise<{ ca: string; issue(name: string, kind: 'server' | 'client', dnsNames?: string[]): Promise<Certificate> }> {
  const openssl = (args: string[]) => run('openssl', args, { cwd: dir, timeout: 30_000 });
  await openssl(['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '1', '-subj', `/CN=lookout-test-${name}`]);
  return {
    ca: join(dir, `${name}.pem`),
    async issue(subject, kind, dnsNames = []) {
      const ext =
        kind === 'server'
          ? `subjectAltName=${['IP:127.0.0.1', 'DNS:localhost', ...dnsNames.map((dns) => `DNS:${dns}`)].join(',')}\nextendedKeyUsage=serverAuth\n`
          : 'extendedKeyUsage=clientAuth\n';
      writeFileSync(join(dir, `${subject}.ext`), ext);
      await openssl(['req', ...EC, '-keyout', `${subject}-key.pem`, '-out', `${subject}.csr`, '-subj', `/CN=lookout-test-${subject}`]);
      await openssl(['x509', '-req', '-in', `${subject}.csr`, '-CA', `${name}.pem`, '-CAkey', `${name}.key`, '-CAcreateserial', '-out', `${subject}-cert.pem`, '-days', '1', '-extfile', `${subject}.ext`]);
      return { cert: join(dir, `${subject}-cert.pem`), key: join(dir, `${subject}-key.pem`) };
    },
  };
}
