/**
 * An unknown command is a usage error (exit 3), not oclif's default exit 2, which hk8s reserves for
 * `plan --detailed-exitcode` reporting changes.
 */
import type { Hook } from '@oclif/core';
import { ExitCode } from '../../errors.js';

const hook: Hook<'command_not_found'> = async function (options) {
  const commands = options.config.commandIDs.map((id) => id.replace(/:/g, ' '));
  const typed = options.id.replace(/:/g, ' ');
  const first = typed.split(' ')[0] ?? '';
  const near = commands.filter((c) => c.startsWith(first)).sort((a, b) => a.length - b.length)[0] ?? '';
  const hint = near ? ` Did you mean \`hk8s ${near}\`?` : '';
  process.stderr.write(`Error: \`hk8s ${typed}\` is not an hk8s command.${hint} See \`hk8s --help\`.\n`);
  process.exit(ExitCode.USAGE);
};

export default hook;
