/**
 * One simulated Talos node: its persisted record, its lifecycle (boot, maintenance, install,
 * reboot, upgrade, reset) and its gRPC listener, which is replaced whenever its identity changes.
 */
import type { PowerEvent, SimServerInfo } from '../hooks.js';
import { ConfigError, decodeUserData, parseMachineConfig, type MachineConfig } from './config.js';
import { TALOS_DURATIONS, type NodeEnv } from './env.js';
import { NodeListener } from './listener.js';
import type { NodeRecord, PendingTransition, UpgradeApi, UpgradeRecord } from './state.js';

import { GOING_DOWN_MS } from './listener.js';

export function newRecord(info: SimServerInfo): NodeRecord {
  return {
    serverId: info.id,
    name: info.name,
    ip: info.publicIpv4,
    privateIps: info.privateIps.map((p) => p.ip),
    imageId: info.image?.id ?? null,
    arch: info.architecture === 'arm' ? 'arm64' : 'amd64',
    // The Talos on the disk; infos built outside the sandbox say it by their image's label.
    version: info.talos?.version ?? info.image?.labels['talos_version'] ?? 'v1.13.9',
    stagedVersion: null,
    schematic: info.talos?.schematic ?? '',
    stagedSchematic: null,
    config: null,
    stagedConfig: null,
    tryRollback: null,
    userData: info.userData,
    phase: 'off',
    pending: null,
    etcdStopped: false,
    pulledImages: [],
    upgrades: [],
    bootCount: 0,
    lastError: null,
  };
}

export class SimNode {
  config: MachineConfig | null = null;
  /** LifecycleService.Upgrade running (not persisted: a restart aborts it). */
  installing = false;
  /** When the node last came up (COSI resources are created then); not persisted. */
  bootedAt = Date.now();
  private readonly listener: NodeListener;
  private timer: NodeJS.Timeout | undefined;
  private tryTimer: NodeJS.Timeout | undefined;
  disposed = false;

  constructor(
    readonly env: NodeEnv,
    public record: NodeRecord,
  ) {
    this.config = this.parseStored(record.config);
    this.listener = new NodeListener(this);
  }

  get id(): number {
    return this.record.serverId;
  }

  get hostname(): string {
    return this.config?.hostname ?? this.record.name;
  }

  get listening(): boolean {
    return this.listener.open;
  }

  /** Addresses this node answers to (public first). */
  get addresses(): string[] {
    return [this.record.ip, ...this.record.privateIps].filter((ip): ip is string => ip !== null);
  }

  /** Serving the API: maintenance, running or (still) while an upgrade installs. */
  get up(): boolean {
    return (
      this.record.phase === 'maintenance' ||
      this.record.phase === 'running' ||
      this.record.phase === 'upgrading'
    );
  }

  get isControlPlane(): boolean {
    return this.config?.type === 'controlplane';
  }

  private parseStored(text: string | null): MachineConfig | null {
    if (text === null) return null;
    try {
      return parseMachineConfig(text, this.record.version);
    } catch (error) {
      this.env.log(
        `talos: node ${this.record.name}: stored config no longer loads: ${(error as Error).message}`,
      );
      return null;
    }
  }

  save(): void {
    if (!this.disposed) this.env.store.save(this.record);
  }

  /** The server's facts changed (name, addresses, image after a rebuild). */
  updateInfo(info: SimServerInfo): void {
    this.record.name = info.name;
    this.record.ip = info.publicIpv4;
    this.record.privateIps = info.privateIps.map((p) => p.ip);
    this.record.userData = info.userData;
    // A record of an older sandbox: until an upgrade changes it, the node runs its disk's schematic.
    if (this.record.schematic === undefined && info.talos) this.record.schematic = info.talos.schematic;
    this.save();
  }

  // ---- power -----------------------------------------------------------------------------------

  power(event: PowerEvent, info: SimServerInfo): void {
    switch (event) {
      case 'on':
        if (this.record.phase === 'off') this.startBoot();
        return;
      case 'off':
        this.powerOff();
        return;
      case 'reboot':
      case 'reset':
        if (info.image && info.image.id !== this.record.imageId) this.reimage(info);
        this.powerOff();
        this.startBoot();
        return;
    }
  }

  /** A rebuild wrote a new image: the disk (and so the config) is gone. */
  private reimage(info: SimServerInfo): void {
    const fresh = newRecord(info);
    // The test records (boots, upgrades) outlive the disk.
    this.record = { ...fresh, bootCount: this.record.bootCount, upgrades: this.record.upgrades ?? [] };
    this.config = null;
  }

  powerOff(): void {
    this.clearTimers();
    this.installing = false;
    this.releaseUpgradeLock();
    if (this.record.pending?.kind === 'reset') this.record.config = null;
    this.record.phase = 'off';
    this.record.pending = null;
    this.save();
    this.listener.set('down', 0);
  }

  /** After a sandbox restart: continue where the node was (no fresh boot). */
  resume(): void {
    const pending = this.record.pending;
    if (pending) {
      this.schedule(pending);
    } else if (this.record.phase === 'off') {
      this.startBoot();
    } else if (this.up) {
      this.listener.set(this.record.phase === 'maintenance' ? 'maintenance' : 'running', 0);
      if (this.record.tryRollback) this.armTryRollback();
      this.joinEtcd();
    }
  }

  dispose(): Promise<void> {
    this.clearTimers();
    this.releaseUpgradeLock();
    this.disposed = true;
    this.listener.set('down', 0);
    return this.listener.settled();
  }

  private clearTimers(): void {
    clearTimeout(this.timer);
    clearTimeout(this.tryTimer);
    this.listener.cancelRetry();
    this.timer = this.tryTimer = undefined;
  }

  // ---- transitions -----------------------------------------------------------------------------

  scaled(ms: number): number {
    return Math.max(0, ms * this.env.speed());
  }

  private schedule(pending: PendingTransition): void {
    this.record.pending = pending;
    this.save();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.finish(pending), Math.max(0, pending.at - Date.now()));
  }

  private startBoot(): void {
    this.record.phase = 'booting';
    this.schedule({ kind: 'boot', at: Date.now() + this.scaled(TALOS_DURATIONS.boot) });
  }

  /** Answer first, then go down: the caller gets its reply before the connection drops. */
  goDown(phase: 'installing' | 'rebooting', pending: PendingTransition): void {
    this.record.phase = phase;
    this.schedule(pending);
    this.listener.set('down', GOING_DOWN_MS);
  }

  reboot(): void {
    this.goDown('rebooting', { kind: 'reboot', at: Date.now() + this.scaled(TALOS_DURATIONS.reboot) });
  }

  /** Notes an upgrade install in the node's record (saved with the transition that follows). */
  recordUpgrade(api: UpgradeApi, image: string, to: string): void {
    const entry: UpgradeRecord = { api, from: this.record.version, to, image, at: Date.now() };
    this.record.upgrades = [...(this.record.upgrades ?? []), entry];
  }

  beginUpgrade(version: string, schematic: string): void {
    this.record.phase = 'upgrading';
    const at = Date.now() + this.scaled(TALOS_DURATIONS.upgrade);
    this.schedule({ kind: 'upgrade', at, version, schematic });
  }

  beginReset(reboot: boolean): void {
    this.goDown('rebooting', { kind: 'reset', at: Date.now() + this.scaled(TALOS_DURATIONS.reset), reboot });
  }

  private finish(pending: PendingTransition): void {
    if (this.record.pending !== pending || this.disposed) return;
    this.record.pending = null;
    switch (pending.kind) {
      case 'boot':
      case 'install':
      case 'reboot':
        this.boot();
        return;
      case 'upgrade':
        if (pending.version && !this.fallsBack()) {
          this.record.version = pending.version;
          // Pending upgrades saved by older sandboxes carry no schematic: keep the running one.
          if (pending.schematic !== undefined) this.record.schematic = pending.schematic;
        }
        this.releaseUpgradeLock();
        this.config = this.parseStored(this.record.config);
        this.reboot();
        return;
      case 'reset':
        this.record.config = null;
        this.record.stagedConfig = null;
        this.record.tryRollback = null;
        this.config = null;
        if (pending.reboot) {
          this.boot();
        } else {
          this.record.phase = 'halted';
          this.save();
        }
        return;
    }
  }

  /** The node comes up: staged changes take effect, userdata is read when there is no config. */
  private boot(): void {
    const r = this.record;
    r.bootCount++;
    this.bootedAt = Date.now();
    r.etcdStopped = false;
    r.lastError = null;
    if (r.stagedVersion) {
      if (!this.fallsBack()) {
        r.version = r.stagedVersion;
        if (r.stagedSchematic !== undefined && r.stagedSchematic !== null) r.schematic = r.stagedSchematic;
      }
      r.stagedVersion = null;
      r.stagedSchematic = null;
    }
    if (r.tryRollback) {
      r.config = r.tryRollback.config;
      r.tryRollback = null;
    }
    if (r.stagedConfig) {
      r.config = r.stagedConfig;
      r.stagedConfig = null;
    }
    if (r.config === null && r.userData) {
      try {
        const text = decodeUserData(r.userData);
        parseMachineConfig(text, r.version);
        r.config = text;
      } catch (error) {
        const reason = error instanceof ConfigError ? error.message : String(error);
        r.phase = 'halted';
        r.lastError = `the userdata machine config was refused: ${reason}`;
        this.env.log(`talos: node ${r.name}: ${r.lastError}`);
        this.save();
        return;
      }
    }
    this.config = this.parseStored(r.config);
    r.phase = this.config ? 'running' : 'maintenance';
    this.save();
    this.listener.set(this.config ? 'running' : 'maintenance', 0);
    this.joinEtcd();
  }

  /** Config applied live (NO_REBOOT/AUTO/TRY). */
  applyLive(text: string, config: MachineConfig): void {
    const before = this.config;
    this.record.config = text;
    this.config = config;
    this.save();
    const identityChanged =
      before?.osCa.crt !== config.osCa.crt ||
      JSON.stringify(before?.certSans) !== JSON.stringify(config.certSans);
    if (identityChanged) this.listener.set('running', GOING_DOWN_MS);
    if (before?.clusterId !== config.clusterId) this.joinEtcd();
  }

  startTry(previous: string, timeoutMs: number): void {
    this.record.tryRollback = { config: previous, at: Date.now() + timeoutMs };
    this.save();
    this.armTryRollback();
  }

  private armTryRollback(): void {
    const rollback = this.record.tryRollback;
    if (!rollback) return;
    clearTimeout(this.tryTimer);
    this.tryTimer = setTimeout(
      () => {
        if (this.record.tryRollback !== rollback) return;
        this.record.tryRollback = null;
        const config = this.parseStored(rollback.config);
        if (config) this.applyLive(rollback.config, config);
      },
      Math.max(0, rollback.at - Date.now()),
    );
  }

  /** Confirms a TRY config (any later apply does). */
  clearTry(): void {
    clearTimeout(this.tryTimer);
    this.record.tryRollback = null;
  }

  /** The upgrade fault: the new boot slot fails and the node comes back on its old version. */
  private fallsBack(): boolean {
    const names = [this.hostname, this.record.name, ...this.addresses];
    const falls = this.env.faults.fallsBackFor(names);
    if (falls) this.env.log(`talos: node ${this.record.name}: upgrade fell back to ${this.record.version}`);
    return falls;
  }

  private releaseUpgradeLock(): void {
    if (!this.config) return;
    const cluster = this.env.registry.find(this.config.clusterId);
    if (cluster?.upgrading === this.id) {
      cluster.upgrading = null;
      this.env.registry.save();
    }
  }

  // ---- etcd ------------------------------------------------------------------------------------

  /** A running control plane joins its cluster's etcd once some member exists. */
  joinEtcd(): void {
    const config = this.config;
    if (!config || config.type !== 'controlplane' || !this.up || this.record.etcdStopped) return;
    const cluster = this.env.registry.find(config.clusterId);
    if (!cluster || cluster.members.length === 0) return;
    if (cluster.members.some((m) => m.serverId === this.id)) return;
    this.env.registry.addMember(
      cluster,
      this.id,
      this.hostname,
      this.record.privateIps[0] ?? this.record.ip ?? '127.0.0.1',
    );
    this.env.registry.save();
  }

  etcdRunning(): boolean {
    if (!this.config || this.record.etcdStopped || !this.up) return false;
    return this.env.registry.memberOf(this.config.clusterId, this.id) !== undefined;
  }
}
