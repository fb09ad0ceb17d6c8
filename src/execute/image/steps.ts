/**
 * What the builder runs on the rescue system (talos.md §7, "Getting Talos onto Hetzner"): download
 * the factory's hcloud disk image, check it, write it to the disk, sync. Each step that fails stops
 * the build with an error naming the step, its command and what it printed.
 */
import { Hk8sError } from '../../errors.js';
import type { RescueShell } from './shell.js';

export const IMAGE_FILE = '/tmp/talos.raw.xz';
export const DISK = '/dev/sda';

export interface BuildStep {
  name: 'download' | 'check' | 'write' | 'sync';
  command: string;
  /** What a failure of this step means, in a few words. */
  meaning: string;
}

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

export function buildSteps(url: string): BuildStep[] {
  return [
    {
      name: 'download',
      command: `wget -q -O ${IMAGE_FILE} ${quote(url)}`,
      meaning: 'the Image Factory image could not be downloaded',
    },
    {
      // xz checks its own CRC of every block: a truncated or corrupt download fails here.
      name: 'check',
      command: `xz -t ${IMAGE_FILE} && xz -l --robot ${IMAGE_FILE}`,
      meaning: 'the downloaded image is corrupt (xz integrity check)',
    },
    {
      name: 'write',
      command: `set -o pipefail; xz -dc ${IMAGE_FILE} | dd of=${DISK} bs=4M conv=fsync status=none`,
      meaning: `the image could not be written to ${DISK}`,
    },
    { name: 'sync', command: 'sync', meaning: 'the disk could not be synced' },
  ];
}

export interface StepsResult {
  /** The uncompressed size `xz -l` reported, when it did. */
  uncompressedBytes?: number;
}

function uncompressed(listing: string): number | undefined {
  const totals = listing.split('\n').find((line) => line.startsWith('totals'));
  const value = totals?.split('\t')[4];
  return value && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** Runs the steps in order; the first failure throws `image.build` with the step and its output. */
export async function writeTalosImage(
  shell: RescueShell,
  url: string,
  where: string,
  progress: (message: string) => void = () => undefined,
): Promise<StepsResult> {
  const result: StepsResult = {};
  for (const step of buildSteps(url)) {
    progress(`${step.name}: ${step.command}`);
    const done = await shell.exec(step.command).catch((error: unknown) => {
      const why = error instanceof Error ? error.message : String(error);
      throw new Hk8sError(
        'image.build',
        `image build step ${step.name} failed: the SSH command did not run (${why})`,
        {
          where,
          hint: 'Run `hk8s resume`: the temporary server and key are removed and the build starts again.',
        },
      );
    });
    if (done.code !== 0) {
      const printed = (done.stderr || done.stdout).trim() || '(nothing)';
      throw new Hk8sError(
        'image.build',
        `image build step ${step.name} failed: ${step.meaning}; \`${step.command}\` exited ${done.code} and printed: ${printed}`,
        {
          where,
          hint: 'Check the Talos version and schematic exist at factory.talos.dev, then run `hk8s resume` (the temporary server and key are removed first).',
        },
      );
    }
    if (step.name === 'check') {
      const size = uncompressed(done.stdout);
      if (size !== undefined) result.uncompressedBytes = size;
    }
  }
  return result;
}
