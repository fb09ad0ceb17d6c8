import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { sandboxDir } from '../../cli/sandbox-dir.js';
import { Hk8sError } from '../../errors.js';
import { ensureSandbox } from '../../cli/sandbox.js';
import type { SandboxStartJson } from '../../cli/json-contract.js';

export default class SandboxStart extends BaseCommand<typeof SandboxStart> {
  static override summary = 'Start the local sandbox cloud (a simulated Hetzner Cloud API on loopback).';
  static override description =
    'Runs in the background and keeps its world in .hk8s/sandbox/ so that nothing is lost when hk8s or the ' +
    'sandbox is killed. `--sandbox` on any command starts it when needed.';

  static override examples = [
    { description: 'Start it', command: '<%= config.bin %> sandbox start' },
    {
      description: 'Ten times faster than real Hetzner timings',
      command: '<%= config.bin %> sandbox start --speed 0.1',
    },
    {
      description: 'Fail 5% of requests with retryable errors',
      command: '<%= config.bin %> sandbox start --fault-rate 0.05',
    },
  ];

  static override flags = {
    port: Flags.integer({
      summary: 'Port on 127.0.0.1 (0 = any free port).',
      default: 0,
      min: 0,
      max: 65535,
    }),
    speed: Flags.string({
      summary: 'Multiplier for every simulated duration (0.1 = ten times faster).',
      default: '1',
    }),
    'fault-rate': Flags.string({
      summary: 'Fraction of requests (0–1) that fail with retryable errors.',
      default: '0',
    }),
    seed: Flags.integer({ summary: 'Seed for fault injection, for repeatable runs.' }),
    'rate-limit': Flags.integer({
      summary: 'Requests per hour before 429 (refills one per second).',
      default: 3600,
      min: 1,
    }),
  };

  public async run(): Promise<SandboxStartJson> {
    const dir = sandboxDir(process.cwd());
    const speed = Number(this.flags.speed);
    const faultRate = Number(this.flags['fault-rate']);
    if (!Number.isFinite(speed) || speed <= 0) {
      throw new Hk8sError(
        'usage',
        `--speed must be a positive number, not ${JSON.stringify(this.flags.speed)}`,
        {
          where: '--speed',
          hint: 'E.g. --speed 0.1 for ten times faster than real Hetzner timings.',
        },
      );
    }
    if (!Number.isFinite(faultRate) || faultRate < 0 || faultRate > 1) {
      throw new Hk8sError(
        'usage',
        `--fault-rate must be a number from 0 to 1, not ${JSON.stringify(this.flags['fault-rate'])}`,
        {
          where: '--fault-rate',
          hint: 'E.g. --fault-rate 0.05 to fail 5% of requests.',
        },
      );
    }
    const running = await ensureSandbox(dir, {
      port: this.flags.port,
      speed,
      faultRate,
      ...(this.flags.seed === undefined ? {} : { seed: this.flags.seed }),
      rateLimit: { limit: this.flags['rate-limit'], refillPerSecond: 1 },
    });
    this.say(
      `${running.started ? 'Started' : 'Already running:'} sandbox at ${running.url} (pid ${running.pid}, world in ${dir}).`,
    );
    return { ...running, dir };
  }
}
