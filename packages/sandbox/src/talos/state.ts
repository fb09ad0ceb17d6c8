/**
 * What a simulated node keeps across sandbox restarts, one file per server:
 * `<stateDir>/talos/<serverId>.json` (0600: it holds the machine config and so its CA keys),
 * written atomically after every change.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * off: no power. booting/installing/rebooting: on its way up, nothing listens. maintenance: no
 * config, plain TLS. running: configured, mTLS. upgrading: installing a new version while still
 * serving, then reboots. halted: reset without reboot, or a config it could not load.
 */
export type NodePhase =
  'off' | 'booting' | 'maintenance' | 'installing' | 'running' | 'upgrading' | 'rebooting' | 'halted';

/** A transition in progress; `at` is wall-clock ms, so a restarted sandbox finishes it on time. */
export interface PendingTransition {
  kind: 'boot' | 'install' | 'reboot' | 'upgrade' | 'reset';
  at: number;
  /** upgrade: the version being installed. */
  version?: string;
  /** upgrade: the schematic of its installer image ('' for a non-factory installer). */
  schematic?: string;
  /** reset: reboot into maintenance afterwards (false: halt). */
  reboot?: boolean;
}

/** Which API performed an upgrade: the legacy call (every version) or the 1.13+ LifecycleService. */
export type UpgradeApi = 'MachineService.Upgrade' | 'LifecycleService.Upgrade';

/**
 * One install of a new version the node performed, for tests: legacy Upgrade when the node accepted
 * the call (it installs and reboots by itself), LifecycleService when its installer finished.
 */
export interface UpgradeRecord {
  api: UpgradeApi;
  /** The version the node ran when it performed the install. */
  from: string;
  /** The version of the installer image. */
  to: string;
  image: string;
  /** Wall-clock ms. */
  at: number;
}

export interface NodeRecord {
  serverId: number;
  name: string;
  /** Public IPv4 the node listens on; null when the server has none. */
  ip: string | null;
  privateIps: string[];
  imageId: number | null;
  arch: 'amd64' | 'arm64';
  /** Installed (running) Talos version tag, e.g. v1.13.9. */
  version: string;
  /** Installed to the inactive slot by LifecycleService.Upgrade; active after the next reboot. */
  stagedVersion: string | null;
  /**
   * The Image Factory schematic id the node runs (the disk's, then each upgrade's installer's; ''
   * when it runs none), reported as the `schematic` ExtensionStatus (cosi.ts). Absent in records
   * of older sandboxes until the node is next seen with its disk.
   */
  schematic?: string;
  /** The schematic of the staged version (with stagedVersion). */
  stagedSchematic?: string | null;
  /** Applied machine config (YAML), or null in maintenance mode. */
  config: string | null;
  /** ApplyConfiguration STAGED: applied at the next reboot. */
  stagedConfig: string | null;
  /** TRY mode: the config to go back to, and when. */
  tryRollback: { config: string; at: number } | null;
  userData: string | null;
  phase: NodePhase;
  pending: PendingTransition | null;
  /** etcd left or was removed from the cluster; it stays out until the next boot. */
  etcdStopped: boolean;
  pulledImages: string[];
  /** Every upgrade install the node performed, oldest first (absent in records of older sandboxes). */
  upgrades?: UpgradeRecord[];
  bootCount: number;
  /** Why the node is halted (e.g. its userdata config is invalid). */
  lastError: string | null;
}

export class NodeStore {
  constructor(private readonly dir: string) {}

  private file(serverId: number): string {
    return join(this.dir, `${serverId}.json`);
  }

  save(record: NodeRecord): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeAtomic(this.file(record.serverId), `${JSON.stringify(record, null, 2)}\n`);
  }

  load(serverId: number): NodeRecord | undefined {
    try {
      return JSON.parse(readFileSync(this.file(serverId), 'utf8')) as NodeRecord;
    } catch {
      return undefined;
    }
  }

  remove(serverId: number): void {
    rmSync(this.file(serverId), { force: true });
  }

  ids(): number[] {
    try {
      return readdirSync(this.dir)
        .map((f) => /^(\d+)\.json$/.exec(f)?.[1])
        .filter((id): id is string => id !== undefined)
        .map(Number);
    } catch {
      return [];
    }
  }
}

/** Write to a temporary file, fsync, rename: readers see the old or the new content, never half. */
export function writeAtomic(file: string, content: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}
