// The two CLI commands of this part, run as real processes: `lookout hash-password` and the
// argument handling of `lookout demand` (its lease behaviour is in demand.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { verifyPassword } from '../../../common/password.ts';

const LOOKOUT = fileURLToPath(new URL('../../../bin/lookout.js', import.meta.url));

function lookout(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [LOOKOUT, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

void test('hash-password reads stdin and prints a hash that verifies (trailing newline ignored)', async () => {
  const result = await lookout(['hash-password'], 'viewer-password-1\n');
  assert.equal(result.code, 0, result.stderr);
  const hash = result.stdout.trim();
  assert.match(hash, /^scrypt\$16384\$8\$1\$/);
  assert.equal(await verifyPassword('viewer-password-1', hash), true);
  assert.equal(result.stdout.includes('viewer-password-1'), false);
});

void test('hash-password refuses a short password', async () => {
  const result = await lookout(['hash-password'], 'short');
  assert.equal(result.code, 1);
  assert.match(result.stderr, /at least 8 characters/);
});

void test('demand: usage errors exit 64 without contacting anything', async () => {
  assert.equal((await lookout(['demand'])).code, 64);
  assert.equal((await lookout(['demand', 'Bad Id!'])).code, 64);
  assert.equal((await lookout(['demand', 'cam', '--nope'])).code, 64);
});
