// scripts/install-mediamtx.sh against a local file server on 127.0.0.1 serving a fixture tarball
// made here (NOT a real mediamtx release: a shell script named mediamtx) and its checksums.sha256.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { access, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../../scripts/install-mediamtx.sh', import.meta.url));
const ASSET = 'mediamtx_v1.20.1_linux_arm64.tar.gz';

async function script(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run('bash', [SCRIPT, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

async function serve(dir: string): Promise<{ server: Server; url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const name = (req.url ?? '/').slice(1);
    hits.push(name);
    readFile(join(dir, name.replaceAll('/', '_'))).then(
      (body) => {
        res.writeHead(200);
        res.end(body);
      },
      () => {
        res.writeHead(404);
        res.end('not found');
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

async function setup(corrupt: boolean) {
  const root = await mkdtemp(join(tmpdir(), 'lookout-install-'));
  const stage = join(root, 'stage');
  const files = join(root, 'files');
  await mkdir(stage);
  await mkdir(files);
  await writeFile(join(stage, 'mediamtx'), '#!/bin/sh\necho "FAKE mediamtx fixture"\n', { mode: 0o755 });
  await writeFile(join(stage, 'mediamtx.yml'), 'logLevel: info\n');
  await writeFile(join(stage, 'LICENSE'), 'fixture\n');
  await run('tar', ['-czf', join(files, ASSET), '-C', stage, 'mediamtx', 'mediamtx.yml', 'LICENSE']);
  const tarball = await readFile(join(files, ASSET));
  const sum = createHash('sha256').update(corrupt ? Buffer.concat([tarball, Buffer.from('x')]) : tarball).digest('hex');
  await writeFile(join(files, 'checksums.sha256'), `${'0'.repeat(64)} *mediamtx_v1.20.1_linux_amd64.tar.gz\n${sum} *${ASSET}\n`);
  const served = await serve(files);
  const close = async () => {
    served.server.closeAllConnections();
    await new Promise<void>((resolve) => served.server.close(() => resolve()));
    await rm(root, { recursive: true, force: true });
  };
  return { root, ...served, close };
}

void test('good checksum: installs the binary into --prefix', async () => {
  const fx = await setup(false);
  try {
    const prefix = join(fx.root, 'bin');
    const result = await script(['--prefix', prefix], { MEDIAMTX_BASE_URL: fx.url, MEDIAMTX_ARCH: 'arm64' });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /installed mediamtx v1\.20\.1 \(linux arm64\)/);
    const { stdout } = await run(join(prefix, 'mediamtx'));
    assert.equal(stdout.trim(), 'FAKE mediamtx fixture');
    assert.deepEqual(await readdir(prefix), ['mediamtx']);
    assert.deepEqual(fx.hits, [ASSET, 'checksums.sha256']);
  } finally {
    await fx.close();
  }
});

void test('checksum mismatch: refused, nothing installed', async () => {
  const fx = await setup(true);
  try {
    const prefix = join(fx.root, 'bin');
    const result = await script(['--prefix', prefix, '--arch', 'arm64'], { MEDIAMTX_BASE_URL: fx.url });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /checksum mismatch/);
    await assert.rejects(access(prefix), 'the prefix was not even created');
  } finally {
    await fx.close();
  }
});

void test('unknown architecture: refused with the supported list, nothing downloaded', async () => {
  const fx = await setup(false);
  try {
    const result = await script(['--prefix', join(fx.root, 'bin')], { MEDIAMTX_BASE_URL: fx.url, MEDIAMTX_ARCH: 'mips' });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /unsupported architecture 'mips': use one of amd64, arm64, armv7, armv6/);
    assert.deepEqual(fx.hits, []);
  } finally {
    await fx.close();
  }
});

void test('offline (nothing listening): clear message, non-zero exit', async () => {
  const fx = await setup(false);
  const url = fx.url;
  await fx.close();
  const result = await script(['--prefix', join(tmpdir(), `lookout-never-${process.pid}`)], { MEDIAMTX_BASE_URL: url, MEDIAMTX_ARCH: 'amd64' });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /could not download .*offline.*Nothing was installed/);
});

void test('missing entry in checksums.sha256 is refused (armv7 is not listed in the fixture)', async () => {
  const fx = await setup(false);
  try {
    await writeFile(join(fx.root, 'files', 'mediamtx_v1.20.1_linux_armv7.tar.gz'), await readFile(join(fx.root, 'files', ASSET)));
    const result = await script(['--prefix', join(fx.root, 'bin'), '--arch', 'armv7'], { MEDIAMTX_BASE_URL: fx.url });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /no entry for mediamtx_v1\.20\.1_linux_armv7\.tar\.gz/);
  } finally {
    await fx.close();
  }
});

void test('shellcheck passes on the install script', async () => {
  const { stdout } = await run('shellcheck', ['--severity=style', SCRIPT]);
  assert.equal(stdout, '');
});
