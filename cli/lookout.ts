/**
 * `lookout <command> [options]`: each command lives in cli/commands/<name>.ts and exports
 * `run(argv: string[]): Promise<number>` (the exit code) and a one-line `summary`.
 */
const COMMANDS = ['up', 'gateway', 'detector', 'detect', 'demand', 'doctor', 'hash-password', 'check-config', 'render-mediamtx'] as const;
type CommandName = (typeof COMMANDS)[number];

interface CommandModule {
  summary: string;
  run(argv: string[]): Promise<number>;
}

async function loadCommand(name: CommandName): Promise<CommandModule | undefined> {
  try {
    return (await import(`./commands/${name}.ts`)) as CommandModule;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String(error).includes(`commands/${name}.ts`)) return undefined;
    throw error;
  }
}

async function usage(): Promise<string> {
  const lines = ['usage: lookout <command> [options]', '', 'commands:'];
  for (const name of COMMANDS) {
    const command = await loadCommand(name);
    if (command) lines.push(`  ${name.padEnd(14)} ${command.summary}`);
  }
  lines.push('', 'Run `lookout <command> --help` for its options.');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${await usage()}\n`);
    return name ? 0 : 2;
  }
  if (!(COMMANDS as readonly string[]).includes(name)) {
    process.stderr.write(`lookout: unknown command "${name}"\n\n${await usage()}\n`);
    return 2;
  }
  const command = await loadCommand(name as CommandName);
  if (!command) {
    process.stderr.write(`lookout: command "${name}" is not available in this build\n`);
    return 2;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`lookout: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
