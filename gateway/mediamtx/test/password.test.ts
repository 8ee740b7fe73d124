import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, parsePasswordHash, PasswordHashFormatError, secretsEqual, verifyPassword } from '../../../common/password.ts';

const FAST = { N: 1024, r: 8, p: 1 };

void test('scrypt hash: format, verify right and wrong passwords, salted', async () => {
  const hash = await hashPassword('correct horse', FAST);
  assert.match(hash, /^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.equal(await verifyPassword('correct horse', hash), true);
  assert.equal(await verifyPassword('correct horsE', hash), false);
  assert.equal(await verifyPassword('', hash), false);
  assert.notEqual(await hashPassword('correct horse', FAST), hash, 'each hash has its own salt');
});

void test('the default cost is what the docs say (N=16384, r=8, p=1)', async () => {
  const hash = await hashPassword('a default-cost password');
  assert.equal(parsePasswordHash(hash).cost.N, 16384);
  assert.equal(await verifyPassword('a default-cost password', hash), true);
});

void test('malformed or hostile hashes are refused with a named error', async () => {
  for (const bad of ['', 'bcrypt$x', 'scrypt$1000$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==', 'scrypt$2147483648$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==', 'scrypt$1024$8$1$$']) {
    await assert.rejects(verifyPassword('x', bad), PasswordHashFormatError, bad);
  }
});

void test('secretsEqual compares any lengths without throwing', () => {
  assert.equal(secretsEqual('abc', 'abc'), true);
  assert.equal(secretsEqual('abc', 'abcd'), false);
  assert.equal(secretsEqual('', ''), true);
});
