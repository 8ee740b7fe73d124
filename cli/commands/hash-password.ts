import { parseArgs } from 'node:util';
import { hashPassword } from '../../common/password.ts';

export const summary = 'read a password on stdin and print its scrypt hash for viewers[].password_hash';

const MAX_INPUT = 4096;

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.length > MAX_INPUT) throw new Error(`input longer than ${MAX_INPUT} characters`);
  }
  return text;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write('usage: printf %s "$PASSWORD" | lookout hash-password\nPrints scrypt$N$r$p$salt$hash (one line). A trailing newline in the input is ignored.\n');
    return 0;
  }
  const password = (await readStdin()).replace(/\r?\n$/, '');
  if (password.length < 8) {
    process.stderr.write('lookout hash-password: the password must be at least 8 characters (read from stdin)\n');
    return 1;
  }
  process.stdout.write(`${await hashPassword(password)}\n`);
  return 0;
}
