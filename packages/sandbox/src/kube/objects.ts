/**
 * Object semantics over the store, shared by the HTTP API and the simulated controllers: create,
 * update, the PATCH flavours, server-side apply and deletion, with metadata bookkeeping (uid,
 * resourceVersion, generation, managedFields), defaults and dry runs.
 */
import { randomBytes } from 'node:crypto';
import { applyDefaults, validate } from './defaults.js';
import { alreadyExists, badRequest, conflict, KubeError, notFound } from './errors.js';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch.js';
import { apiVersionOf, builtin, storageKey, type ResourceCatalog, type ResourceType } from './resources.js';
import { matchesFields, matchesRequirements, type FieldRequirement, type Requirement } from './selectors.js';
import { recordUpdate, serverSideApply } from './ssa.js';
import type { ObjectStore } from './store.js';
import {
  clone,
  isObject,
  jsonEqual,
  toMeta,
  type JsonObject,
  type KubeObject,
  type ManagedFieldsEntry,
} from './types.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface WriteOptions {
  manager: string;
  dryRun: boolean;
  subresource?: 'status';
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  dryRun: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type DeleteResult = { kind: 'gone'; object: KubeObject } | { kind: 'pending'; object: KubeObject };

const NAMESPACES = builtin('namespaces');
const GENERATE_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(length = 5): string {
  const bytes = randomBytes(length);
  return [...bytes].map((b) => GENERATE_CHARS[b % GENERATE_CHARS.length]).join('');
}

/** Fields that bump metadata.generation when they change: everything but metadata and status. */
function specPart(obj: JsonObject): JsonObject {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

function hasStatusSubresource(type: ResourceType): boolean {
  return type.subresources.some((s) => s.name === 'status');
}

export class Objects {
  constructor(
    private readonly store: ObjectStore,
    readonly catalog: ResourceCatalog,
    private readonly clock: () => number,
    private readonly onChange: (type: ResourceType) => void,
  ) {}

  private nowIso(): string {
    return new Date(this.clock()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /** The stored object as `type`'s version serves it. */
  private view(type: ResourceType, obj: KubeObject): KubeObject {
    return { ...obj, apiVersion: apiVersionOf(type), kind: type.kind };
  }

  list(
    type: ResourceType,
    namespace?: string,
    labels: Requirement[] = [],
    fields: FieldRequirement[] = [],
  ): KubeObject[] {
    return this.store
      .list(storageKey(type), namespace)
      .filter((o) => matchesRequirements(o.metadata.labels, labels) && matchesFields(o, fields))
      .map((o) => this.view(type, clone(o)));
  }

  find(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const obj = this.store.get(storageKey(type), type.namespaced ? namespace : undefined, name);
    return obj ? this.view(type, clone(obj)) : undefined;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const obj = this.find(type, namespace, name);
    if (!obj) throw notFound(type, name);
    return obj;
  }

  get resourceVersion(): string {
    return this.store.resourceVersion;
  }

  private checkIdentity(
    type: ResourceType,
    body: JsonObject,
    namespace: string | undefined,
    name?: string,
  ): KubeObject {
    const apiVersion = body['apiVersion'];
    const kind = body['kind'];
    if (
      (apiVersion !== undefined && apiVersion !== apiVersionOf(type)) ||
      (kind !== undefined && kind !== type.kind)
    ) {
      throw badRequest(
        `the API version in the data (${String(apiVersion)}) does not match the expected API version (${apiVersionOf(type)})`,
      );
    }
    const metadata = isObject(body['metadata']) ? body['metadata'] : {};
    if (type.namespaced && metadata['namespace'] !== undefined && metadata['namespace'] !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    if (name !== undefined && metadata['name'] !== undefined && metadata['name'] !== name) {
      throw badRequest('the name of the object does not match the name on the URL');
    }
    const obj: KubeObject = {
      ...clone(body),
      apiVersion: apiVersionOf(type),
      kind: type.kind,
      metadata: toMeta(metadata),
    };
    if (type.namespaced) obj.metadata.namespace = namespace;
    else delete obj.metadata.namespace;
    return obj;
  }

  private requireNamespace(type: ResourceType, namespace: string | undefined): void {
    if (!type.namespaced) return;
    if (namespace === undefined) throw badRequest('a namespace is required for namespaced resources');
    const ns = this.store.get(storageKey(NAMESPACES), undefined, namespace);
    if (!ns) throw notFound(NAMESPACES, namespace);
    if (ns.metadata.deletionTimestamp) {
      throw new KubeError(
        403,
        'Forbidden',
        `${type.plural} "${String(namespace)}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        {
          causes: [
            {
              reason: 'NamespaceTerminating',
              message: `namespace ${namespace} is being terminated`,
              field: 'metadata.namespace',
            },
          ],
        },
      );
    }
  }

  private commit(type: ResourceType, obj: KubeObject, dryRun: boolean): KubeObject {
    if (dryRun) return this.view(type, obj);
    const stored = this.store.put(storageKey(type), obj);
    if (storageKey(type) === 'apiextensions.k8s.io/customresourcedefinitions') this.refreshCrds();
    this.onChange(type);
    return this.view(type, stored);
  }

  refreshCrds(): void {
    this.catalog.refresh(this.store.list('apiextensions.k8s.io/customresourcedefinitions'));
  }

  create(
    type: ResourceType,
    namespace: string | undefined,
    body: unknown,
    options: WriteOptions,
  ): KubeObject {
    if (!isObject(body)) throw badRequest('the body of the request must be an object');
    const obj = this.checkIdentity(type, body, namespace);
    if (!obj.metadata.name && obj.metadata.generateName)
      obj.metadata.name = `${obj.metadata.generateName}${randomSuffix()}`;
    if (!obj.metadata.name) {
      throw new KubeError(
        422,
        'Invalid',
        `${type.kind} "" is invalid: metadata.name: Required value: name or generateName is required`,
      );
    }
    if (obj.metadata.managedFields !== undefined) delete obj.metadata.managedFields;
    this.requireNamespace(type, namespace);
    if (this.find(type, namespace, obj.metadata.name)) throw alreadyExists(type, obj.metadata.name);
    return this.insert(type, obj, options);
  }

  private insert(
    type: ResourceType,
    obj: KubeObject,
    options: WriteOptions,
    managedFields?: ManagedFieldsEntry[],
  ): KubeObject {
    const now = this.nowIso();
    obj.metadata.uid = this.store.newUid();
    obj.metadata.creationTimestamp = now;
    obj.metadata.generation = 1;
    delete obj.metadata.deletionTimestamp;
    delete obj.metadata.deletionGracePeriodSeconds;
    applyDefaults(type, obj, true);
    validate(type, obj);
    obj.metadata.managedFields =
      managedFields ??
      recordUpdate(
        undefined,
        undefined,
        obj,
        options.manager,
        apiVersionOf(type),
        !hasStatusSubresource(type),
        now,
      );
    return this.commit(type, obj, options.dryRun);
  }

  /** Carries over what a write must not change, bumps generation, records managed fields. */
  private finishUpdate(
    type: ResourceType,
    live: KubeObject,
    next: KubeObject,
    options: WriteOptions,
    managedFields?: ManagedFieldsEntry[],
  ): KubeObject {
    const statusSub = hasStatusSubresource(type);
    if (options.subresource === 'status') {
      const status = next['status'];
      next = { ...clone(live), status };
    } else if (statusSub) {
      if (live['status'] === undefined) delete next['status'];
      else next['status'] = clone(live['status']);
    }
    const rv = next.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== live.metadata.resourceVersion)
      throw conflict(type, live.metadata.name);
    next.metadata = {
      ...next.metadata,
      name: live.metadata.name,
      uid: live.metadata.uid,
      creationTimestamp: live.metadata.creationTimestamp,
      generation: live.metadata.generation ?? 1,
      resourceVersion: live.metadata.resourceVersion,
    };
    if (live.metadata.namespace !== undefined) next.metadata.namespace = live.metadata.namespace;
    if (live.metadata.deletionTimestamp) next.metadata.deletionTimestamp = live.metadata.deletionTimestamp;
    applyDefaults(type, next, false);
    validate(type, next);
    if (!jsonEqual(specPart(live), specPart(next)))
      next.metadata.generation = (live.metadata.generation ?? 1) + 1;
    next.metadata.managedFields =
      managedFields ??
      recordUpdate(
        live.metadata.managedFields,
        live,
        next,
        options.manager,
        apiVersionOf(type),
        !statusSub || options.subresource === 'status',
        this.nowIso(),
      );
    if (jsonEqual(live, next)) return live;
    if (
      next.metadata.deletionTimestamp &&
      (next.metadata.finalizers ?? []).length === 0 &&
      type.plural !== 'pods'
    ) {
      if (!options.dryRun) this.removeNow(type, next);
      return this.view(type, next);
    }
    return this.commit(type, next, options.dryRun);
  }

  update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: unknown,
    options: WriteOptions,
  ): KubeObject {
    if (!isObject(body)) throw badRequest('the body of the request must be an object');
    const live = this.get(type, namespace, name);
    const next = this.checkIdentity(type, body, namespace, name);
    if (next.metadata.managedFields !== undefined) {
      const given = next.metadata.managedFields;
      return this.finishUpdate(
        type,
        live,
        next,
        options,
        Array.isArray(given) && given.length > 0 ? given : undefined,
      );
    }
    return this.finishUpdate(type, live, next, options);
  }

  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    body: unknown,
    options: WriteOptions & { force: boolean },
  ): { object: KubeObject; created: boolean } {
    if (patchType === 'apply') return this.apply(type, namespace, name, body, options);
    const live = this.get(type, namespace, name);
    let patched: unknown;
    switch (patchType) {
      case 'json':
        patched = jsonPatch(live, body);
        break;
      case 'merge':
        patched = mergePatch(live, body);
        break;
      case 'strategic':
        patched = strategicMergePatch(live, body);
        break;
    }
    if (!isObject(patched)) throw badRequest('the patch produced something that is not an object');
    const next = this.checkIdentity(type, patched, namespace, name);
    return { object: this.finishUpdate(type, live, next, options), created: false };
  }

  private apply(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: unknown,
    options: WriteOptions & { force: boolean },
  ): { object: KubeObject; created: boolean } {
    if (!isObject(body)) throw badRequest('error decoding YAML: the apply patch must be an object');
    const metadata = isObject(body['metadata']) ? body['metadata'] : {};
    if (metadata['managedFields'] !== undefined) throw badRequest('metadata.managedFields must be nil');
    if (body['apiVersion'] !== apiVersionOf(type) || body['kind'] !== type.kind) {
      throw badRequest(`invalid object type: ${apiVersionOf(type)}, Kind=${String(body['kind'] ?? '')}`);
    }
    const applied = this.checkIdentity(type, body, namespace, name);
    applied.metadata.name = name;
    const live = this.find(type, namespace, name);
    const statusSub = hasStatusSubresource(type);
    const result = serverSideApply({
      live,
      applied,
      manager: options.manager,
      force: options.force,
      apiVersion: apiVersionOf(type),
      withStatus: !statusSub || options.subresource === 'status',
      now: this.nowIso(),
    });
    const merged: KubeObject = {
      ...result.object,
      apiVersion: apiVersionOf(type),
      kind: type.kind,
      metadata: { ...toMeta(result.object['metadata']), name },
    };
    if (type.namespaced) merged.metadata.namespace = namespace;
    if (!live) {
      this.requireNamespace(type, namespace);
      return { object: this.insert(type, merged, options, result.managedFields), created: true };
    }
    return { object: this.finishUpdate(type, live, merged, options, result.managedFields), created: false };
  }

  /**
   * Deletes at once, or (pods on a node, objects with finalizers, namespaces) marks the object
   * with deletionTimestamp for the controllers to finish.
   */
  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions,
  ): DeleteResult {
    const live = this.get(type, namespace, name);
    const pre = options.preconditions;
    if (
      (pre?.uid && pre.uid !== live.metadata.uid) ||
      (pre?.resourceVersion && pre.resourceVersion !== live.metadata.resourceVersion)
    ) {
      throw conflict(type, name);
    }
    if (live.metadata.deletionTimestamp && options.gracePeriodSeconds !== 0)
      return { kind: 'pending', object: live };
    const graceful = this.gracePeriod(type, live, options.gracePeriodSeconds);
    if (graceful === undefined) {
      if (!options.dryRun) this.removeNow(type, live);
      return { kind: 'gone', object: live };
    }
    const next = clone(live);
    next.metadata.deletionTimestamp = new Date(this.clock() + graceful * 1000)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    next.metadata.deletionGracePeriodSeconds = graceful;
    if (type.plural === 'namespaces')
      next['status'] = { ...(isObject(next['status']) ? next['status'] : {}), phase: 'Terminating' };
    return { kind: 'pending', object: this.commit(type, next, options.dryRun) };
  }

  /** Seconds of graceful deletion, or undefined to delete at once. */
  private gracePeriod(
    type: ResourceType,
    live: KubeObject,
    requested: number | undefined,
  ): number | undefined {
    if (storageKey(type) === '/pods') {
      const spec = isObject(live['spec']) ? live['spec'] : {};
      if (requested === 0 || !spec['nodeName']) return undefined;
      return (
        requested ??
        (typeof spec['terminationGracePeriodSeconds'] === 'number'
          ? spec['terminationGracePeriodSeconds']
          : 30)
      );
    }
    if (type.plural === 'namespaces' && type.group === '') return 0;
    if ((live.metadata.finalizers ?? []).length > 0) return 0;
    return undefined;
  }

  /** Removes the object from the store (no grace). */
  removeNow(type: ResourceType, obj: KubeObject): void {
    this.store.remove(
      storageKey(type),
      type.namespaced ? obj.metadata.namespace : undefined,
      obj.metadata.name,
    );
    if (storageKey(type) === 'apiextensions.k8s.io/customresourcedefinitions') this.refreshCrds();
    this.onChange(type);
  }

  /** A controller's own write (status, bookkeeping): no managed-field changes, no generation bump. */
  put(type: ResourceType, obj: KubeObject): KubeObject {
    return this.commit(type, obj, false);
  }

  /** A controller creating an object it owns (as kube-controller-manager or the kubelet). */
  createAs(type: ResourceType, obj: KubeObject, manager: string): KubeObject {
    this.requireNamespace(type, obj.metadata.namespace);
    return this.insert(type, obj, { manager, dryRun: false });
  }
}
