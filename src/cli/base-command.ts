/**
 * What every hk8s command shares: global flags, mapping errors to documented exit codes and one
 * readable line (or a JSON envelope with --json), and Ctrl-C handling. Commands stay thin.
 */
import { Command, Flags, Interfaces } from '@oclif/core';
import { ExitCode, isHk8sError, type ErrorEnvelope } from '../errors.js';
import type { AddonRegistry } from '../addons/registry.js';
import { loadAddonRegistry } from './addons.js';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>;
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    config: Flags.string({
      char: 'c',
      summary: 'Spec file to use instead of searching for hk8s.yaml.',
      helpGroup: 'GLOBAL',
    }),
    sandbox: Flags.boolean({
      summary: 'Use the local sandbox cloud instead of Hetzner (started if needed).',
      env: 'HK8S_SANDBOX',
      helpGroup: 'GLOBAL',
    }),
  };

  private registry?: Promise<AddonRegistry>;

  protected flags!: BaseFlags<T>;
  protected args!: BaseArgs<T>;
  /** The positional arguments as parsed (every one, for a command with `strict = false`). */
  protected positional: string[] = [];

  public override async init(): Promise<void> {
    await super.init();
    const { args, flags, argv } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as BaseFlags<T>;
    this.args = args as BaseArgs<T>;
    this.positional = argv.map(String);
  }

  /** The installed plugins' addons, asked once per command. */
  protected addonRegistry(): Promise<AddonRegistry> {
    this.registry ??= loadAddonRegistry(this.config);
    return this.registry;
  }

  /** Prints to stdout unless --json is on (then only the JSON result goes to stdout). */
  protected say(text = ''): void {
    if (!this.jsonEnabled()) process.stdout.write(`${text}\n`);
  }

  /**
   * Every `--json` result is one line: after the JSON Lines that apply, destroy and resume stream,
   * the result is simply the last line (README "JSON output").
   */
  protected override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json)}\n`);
  }

  /** Warnings go to stderr so that stdout stays parseable. */
  protected notice(text: string): void {
    process.stderr.write(`${text}\n`);
  }

  protected override async catch(
    error: Error & { exitCode?: number; oclif?: { exit?: number } },
  ): Promise<unknown> {
    if (isHk8sError(error)) {
      return this.report(error.exitCode, error.oneLine(), { ok: false, error: error.toJSON() });
    }
    if (error.oclif && error.constructor.name !== 'ExitError') {
      // Flag and argument parsing problems: oclif's message already says what is wrong.
      const message = usageLine(error.message);
      const command = `hk8s ${(this.id ?? '').split(':').join(' ')}`.trim();
      const envelope: ErrorEnvelope = {
        ok: false,
        error: {
          code: 'usage',
          exitCode: ExitCode.USAGE,
          message,
          hint: `See \`${command} --help\`.`,
        },
      };
      return this.report(ExitCode.USAGE, `${message} (see \`${command} --help\`)`, envelope);
    }
    if (error.oclif) return super.catch(error); // this.exit(): not a failure to describe
    return this.reportInternal(error);
  }

  /**
   * Anything that is not an Hk8sError is a bug (README "Exit codes": 1): one line that says so,
   * the stack only with HK8S_DEBUG, never oclif's multi-line dump of the error's properties.
   */
  private reportInternal(error: Error): void {
    const message = (error.message || String(error)).split('\n')[0] as string;
    const line = `internal error: ${message}. This is a bug in hk8s: please report it (HK8S_DEBUG=1 shows the stack trace)`;
    this.report(ExitCode.INTERNAL, line, {
      ok: false,
      error: {
        code: 'internal',
        exitCode: ExitCode.INTERNAL,
        message: `internal error: ${message}`,
        hint: 'This is a bug in hk8s: please report it.',
        ...(process.env.HK8S_DEBUG && error.stack ? { detail: error.stack } : {}),
      },
    });
  }

  private report(code: number, line: string, envelope: ErrorEnvelope): void {
    process.exitCode = code;
    if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify(envelope)}\n`);
    else process.stderr.write(`Error: ${line}\n`);
    if (!isQuiet() && process.env.HK8S_DEBUG && envelope.error.detail)
      process.stderr.write(`${envelope.error.detail}\n`);
  }
}

/**
 * oclif's parse errors span several lines (what was expected on the next ones, then "See more
 * help with --help"); the first line alone can end in a bare colon. All of it, on one line.
 */
function usageLine(message: string): string {
  const lines = message
    // eslint-disable-next-line no-control-regex
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter((line) => line !== '' && !line.startsWith('See more help with'));
  const text = lines.reduce(
    (all, line) => (all === '' ? line : `${all}${/[:.]$/.test(all) ? '' : ':'} ${line}`),
    '',
  );
  return text || 'invalid arguments';
}

function isQuiet(): boolean {
  return process.env.HK8S_QUIET === '1';
}
