/**
 * The commands the rescue system understands: exactly the four hk8s's image builder runs
 * (src/execute/image/steps.ts), parsed and simulated — nothing is ever executed. `wget` fetches from
 * the simulated Image Factory, `xz -t … && xz -l --robot …` checks and lists the download, `xz -dc … |
 * dd of=/dev/sda …` writes its Talos onto the server's disk, `sync` succeeds. Anything else is
 * "command not found" (127). Each takes a little simulated time, scaled by the sandbox speed.
 */
import { FACTORY_TALOS_VERSIONS } from '../catalog.js';
import type { RescueDownload, ServerRec, World } from '../types.js';
import { inRescue } from './state.js';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** What the commands need from the sandbox. */
export interface RescueHost {
  world(): World;
  speed(): number;
  /** The `corruptDownloads` knob of POST /_sandbox/config. */
  corruptDownloads(): boolean;
  /** Changes the world: saved and announced like an API request's changes. */
  change(mutate: (world: World) => void): void;
}

export const FACTORY_HOST = 'factory.talos.dev';
const DISK = '/dev/sda';

/** Simulated wall time of each command at speed 1 (a download of ~100 MB, a 1.3 GB write). */
export const COMMAND_MS = { wget: 8000, check: 3000, write: 15000, sync: 500 } as const;

/** The sizes `xz -l` reports for every factory hcloud image (bytes). */
export const IMAGE_SIZES = { compressed: 96_206_412, uncompressed: 1_306_525_696 } as const;

type Parsed =
  | { kind: 'wget'; path: string; url: string }
  | { kind: 'check'; path: string }
  | { kind: 'write'; path: string; device: string }
  | { kind: 'sync' }
  | { kind: 'unknown'; name: string };

const WGET = /^wget -q -O (\S+) (?:'([^']*)'|([^\s']+))$/;
const CHECK = /^xz -t (\S+) && xz -l --robot (\S+)$/;
const WRITE = /^set -o pipefail; xz -dc (\S+) \| dd of=(\S+) bs=4M conv=fsync status=none$/;

export function parseCommand(command: string): Parsed {
  const text = command.trim();
  const wget = WGET.exec(text);
  if (wget) return { kind: 'wget', path: wget[1] ?? '', url: wget[2] ?? wget[3] ?? '' };
  const check = CHECK.exec(text);
  if (check && check[1] === check[2]) return { kind: 'check', path: check[1] ?? '' };
  const write = WRITE.exec(text);
  if (write) return { kind: 'write', path: write[1] ?? '', device: write[2] ?? '' };
  if (text === 'sync') return { kind: 'sync' };
  return { kind: 'unknown', name: text.split(/[\s;|&]+/)[0] ?? '' };
}

/** The disk image a factory URL names, or undefined when the factory has no such image (404). */
export function factoryImage(url: string): Omit<RescueDownload, 'path' | 'corrupt'> | undefined {
  const m = /^https:\/\/([^/]+)\/image\/([0-9a-f]{64})\/([^/]+)\/hcloud-(amd64|arm64)\.raw\.xz$/.exec(url);
  if (!m || m[1] !== FACTORY_HOST || !FACTORY_TALOS_VERSIONS.includes(m[3] ?? '')) return undefined;
  return { url, schematic: m[2] ?? '', version: m[3] ?? '', arch: m[4] === 'arm64' ? 'arm' : 'x86' };
}

const done = (stdout = ''): CommandResult => ({ code: 0, stdout, stderr: '' });
const failed = (code: number, stderr: string): CommandResult => ({ code, stdout: '', stderr });

function robotListing(path: string): string {
  const { compressed, uncompressed } = IMAGE_SIZES;
  const ratio = (compressed / uncompressed).toFixed(3);
  const sizes = `1\t1\t${compressed}\t${uncompressed}\t${ratio}\tCRC64\t0`;
  return `name\t${path}\nfile\t${sizes}\ntotals\t${sizes}\t1\n`;
}

function durationOf(parsed: Parsed): number {
  return parsed.kind === 'unknown' ? 0 : COMMAND_MS[parsed.kind];
}

/** The result of one command on this server's rescue system, applied to the world when it ends. */
function apply(server: ServerRec, parsed: Parsed, corrupt: boolean): CommandResult {
  const rescue = server.rescue;
  if (!rescue) return failed(255, 'the rescue system is gone\n');
  const download = (path: string) => (rescue.download?.path === path ? rescue.download : undefined);
  switch (parsed.kind) {
    case 'wget': {
      const image = factoryImage(parsed.url);
      // wget -O truncates its file first: a failed download leaves nothing usable.
      delete rescue.download;
      if (!image) return failed(8, `${parsed.url}:\nERROR 404: Not Found.\n`);
      rescue.download = { ...image, path: parsed.path, corrupt };
      return done();
    }
    case 'check': {
      const file = download(parsed.path);
      if (!file) return failed(1, `xz: ${parsed.path}: No such file or directory\n`);
      if (file.corrupt) return failed(1, `xz: ${parsed.path}: Compressed data is corrupt\n`);
      return done(robotListing(parsed.path));
    }
    case 'write': {
      const file = download(parsed.path);
      if (!file) return failed(1, `xz: ${parsed.path}: No such file or directory\n`);
      if (parsed.device !== DISK) {
        return failed(1, `dd: failed to open '${parsed.device}': No such file or directory\n`);
      }
      if (file.corrupt) return failed(1, `xz: ${parsed.path}: Compressed data is corrupt\n`);
      // The URL's architecture is written as it is: a mismatch with the server's only shows at boot.
      server.disk = { talos: { version: file.version, schematic: file.schematic, arch: file.arch } };
      return done();
    }
    case 'sync':
      return done();
    case 'unknown':
      return failed(127, `bash: line 1: ${parsed.name}: command not found\n`);
  }
}

/** Runs `command` on the rescue system of server `serverId`, after its simulated duration. */
export async function runRescueCommand(
  host: RescueHost,
  serverId: number,
  command: string,
): Promise<CommandResult> {
  const parsed = parseCommand(command);
  const corrupt = host.corruptDownloads();
  const ms = Math.max(0, durationOf(parsed) * host.speed());
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  let result: CommandResult = failed(255, 'the rescue system is gone\n');
  host.change((world) => {
    const server = world.servers[serverId];
    if (server && inRescue(server)) result = apply(server, parsed, corrupt);
  });
  return result;
}
