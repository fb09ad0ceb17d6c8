/**
 * One cluster's objects (its "etcd"): keyed by storage key (group/plural), namespace and name, with
 * a cluster-wide resourceVersion counter. Persisted as one JSON file, written atomically and at most
 * a few times per second (never on reads); flushed on close.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { clone, type KubeObject } from './types.js';

export interface StoreFile {
  format: 1;
  resourceVersion: number;
  /** Bootstrap manifests applied once per cluster (CoreDNS, kube-proxy…). */
  bootstrapped: boolean;
  objects: Record<string, Record<string, KubeObject>>;
}

const SAVE_DELAY_MS = 200;

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export class ObjectStore {
  private data: StoreFile;
  private saveTimer: NodeJS.Timeout | undefined;
  private dirty = false;

  constructor(private readonly file: string | undefined) {
    this.data = this.load() ?? { format: 1, resourceVersion: 1, bootstrapped: false, objects: {} };
  }

  private load(): StoreFile | undefined {
    if (!this.file) return undefined;
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as StoreFile;
      return parsed.format === 1 ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  get resourceVersion(): string {
    return String(this.data.resourceVersion);
  }

  get bootstrapped(): boolean {
    return this.data.bootstrapped;
  }

  markBootstrapped(): void {
    this.data.bootstrapped = true;
    this.changed();
  }

  newUid(): string {
    return randomUUID();
  }

  list(key: string, namespace?: string): KubeObject[] {
    const bucket = this.data.objects[key] ?? {};
    return Object.values(bucket)
      .filter((o) => namespace === undefined || o.metadata.namespace === namespace)
      .sort(
        (a, b) =>
          (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') ||
          a.metadata.name.localeCompare(b.metadata.name),
      );
  }

  get(key: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.data.objects[key]?.[objectKey(namespace, name)];
  }

  /** Stores `obj` with the next resourceVersion; returns the stored copy. */
  put(key: string, obj: KubeObject): KubeObject {
    this.data.resourceVersion++;
    const stored = clone(obj);
    stored.metadata.resourceVersion = String(this.data.resourceVersion);
    (this.data.objects[key] ??= {})[objectKey(stored.metadata.namespace, stored.metadata.name)] = stored;
    this.changed();
    return clone(stored);
  }

  remove(key: string, namespace: string | undefined, name: string): void {
    const bucket = this.data.objects[key];
    const k = objectKey(namespace, name);
    if (!bucket?.[k]) return;
    delete bucket[k];
    this.data.resourceVersion++;
    this.changed();
  }

  private changed(): void {
    this.dirty = true;
    if (!this.file || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.flush();
    }, SAVE_DELAY_MS);
  }

  /** Writes the file now if anything changed (temp file + rename: never half a file). */
  flush(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.file || !this.dirty) return;
    this.dirty = false;
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(this.data), { mode: 0o600 });
    renameSync(temp, this.file);
  }
}
