import { describe, expect, it } from 'vitest';
import { Hk8sError } from '../../../src/errors.js';
import type { CommandResult, RescueShell } from '../../../src/execute/image/shell.js';
import { buildSteps, writeTalosImage } from '../../../src/execute/image/steps.js';

const URL = 'https://factory.talos.dev/image/ce4c98/v1.13.9/hcloud-amd64.raw.xz';
const ok: CommandResult = { code: 0, stdout: '', stderr: '' };

/** A rescue shell that answers each command by the first matching rule and records what ran. */
class FakeShell implements RescueShell {
  readonly ran: string[] = [];
  closed = false;
  constructor(private readonly answers: Array<[RegExp, CommandResult | Error]> = []) {}
  async exec(command: string): Promise<CommandResult> {
    this.ran.push(command);
    const answer = this.answers.find(([pattern]) => pattern.test(command))?.[1] ?? ok;
    if (answer instanceof Error) throw answer;
    return answer;
  }
  close(): void {
    this.closed = true;
  }
}

async function failure(shell: FakeShell): Promise<Hk8sError> {
  const error = await writeTalosImage(shell, URL, 'image.talos-x86').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(Hk8sError);
  return error as Hk8sError;
}

describe('the SSH steps of an image build', () => {
  it('download, check, write and sync, in that order, with the factory URL quoted', async () => {
    const listing = 'totals\t1\t1\t100\t1300000000\t0.077\tCRC64\t0\n';
    const shell = new FakeShell([[/^xz -t/, { code: 0, stdout: listing, stderr: '' }]]);
    const result = await writeTalosImage(shell, URL, 'image.talos-x86');
    expect(shell.ran).toEqual(buildSteps(URL).map((s) => s.command));
    expect(shell.ran[0]).toBe(`wget -q -O /tmp/talos.raw.xz '${URL}'`);
    expect(shell.ran[2]).toMatch(/^set -o pipefail; xz -dc \/tmp\/talos\.raw\.xz \| dd of=\/dev\/sda /);
    expect(result.uncompressedBytes).toBe(1300000000);
  });

  it('a failed download names the step and what wget printed, and nothing is written', async () => {
    const shell = new FakeShell([[/^wget/, { code: 8, stdout: '', stderr: 'ERROR 404: Not Found.' }]]);
    const error = await failure(shell);
    expect(error.code).toBe('image.build');
    expect(error.where).toBe('image.talos-x86');
    expect(error.message).toMatch(
      /^image build step download failed: the Image Factory image could not be downloaded; `wget .*` exited 8 and printed: ERROR 404: Not Found\.$/,
    );
    expect(shell.ran).toHaveLength(1);
  });

  it('a corrupt download fails the check before anything touches the disk', async () => {
    const shell = new FakeShell([
      [/^xz -t/, { code: 1, stdout: '', stderr: 'xz: /tmp/talos.raw.xz: Compressed data is corrupt' }],
    ]);
    const error = await failure(shell);
    expect(error.message).toMatch(/^image build step check failed: the downloaded image is corrupt/);
    expect(error.message).toContain('Compressed data is corrupt');
    expect(shell.ran.some((c) => c.includes('dd of='))).toBe(false);
  });

  it('a failed write names the disk and what dd printed; sync does not run', async () => {
    const shell = new FakeShell([
      [/dd of=/, { code: 1, stdout: '', stderr: 'dd: error writing /dev/sda: No space left on device' }],
    ]);
    const error = await failure(shell);
    expect(error.message).toMatch(
      /^image build step write failed: the image could not be written to \/dev\/sda; .* exited 1 and printed: dd: error writing/,
    );
    expect(shell.ran.at(-1)).toContain('dd of=');
  });

  it('a lost SSH connection is said as such, with the step it happened in', async () => {
    const shell = new FakeShell([[/^sync$/, new Error('Not connected')]]);
    const error = await failure(shell);
    expect(error.message).toBe('image build step sync failed: the SSH command did not run (Not connected)');
  });

  it('a step that fails silently says it printed nothing', async () => {
    const shell = new FakeShell([[/^wget/, { code: 4, stdout: '', stderr: '' }]]);
    expect((await failure(shell)).message).toMatch(/printed: \(nothing\)$/);
  });
});
