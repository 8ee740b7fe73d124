/**
 * `lookout <command> [options]`: each command lives in cli/commands/<name>.ts and exports
 * `run(argv: string[]): Promise<number>` (the exit code) and a one-line `summary`.
 */
interface CommandModule {
  summary: string;
  run(argv: string[]): Promise<number>;
}

/**
 * Each command is imported only when it runs (`lookout detect` never loads the gateway's HTTP
 * server). Literal import() calls, so the compiled bundle (cli/build.ts) keeps them as chunks.
 */
const COMMANDS = {
  up: () => import('./commands/up.ts'),
  gateway: () => import('./commands/gateway.ts'),
  detector: () => import('./commands/detector.ts'),
  detect: () => import('./commands/detect.ts'),
  demand: () => import('./commands/demand.ts'),
  doctor: () => import('./commands/doctor.ts'),
  'hash-password': () => import('./commands/hash-password.ts'),
  'check-config': () => import('./commands/check-config.ts'),
  'render-mediamtx': () => import('./commands/render-mediamtx.ts'),
} satisfies Record<string, () => Promise<CommandModule>>;
type CommandName = keyof typeof COMMANDS;

/** The command names, in the order `lookout --help` lists them. */
const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

const isCommand = (name: string): name is CommandName => Object.hasOwn(COMMANDS, name);

async function usage(): Promise<string> {
  const lines = ['usage: lookout <command> [options]', '', 'commands:'];
  for (const name of COMMAND_NAMES) {
    const command: CommandModule = await COMMANDS[name]();
    lines.push(`  ${name.padEnd(14)} ${command.summary}`);
  }
  lines.push('', 'Run `lookout <command> --help` for its options; `lookout --version` says how this one runs.');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${await usage()}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    const [{ PACKAGE_VERSION }, { describeRuntime }] = await Promise.all([import('../common/package-root.ts'), import('../common/runtime-info.ts')]);
    process.stdout.write(`lookout ${PACKAGE_VERSION} on node ${process.version}: ${describeRuntime()}\n`);
    return 0;
  }
  if (!isCommand(name)) {
    process.stderr.write(`lookout: unknown command "${name}"\n\n${await usage()}\n`);
    return 2;
  }
  const command: CommandModule = await COMMANDS[name]();
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
