/**
 * An in-memory cloud behind the engine's Provider interface, for testing the engine's use cases
 * (plan, apply, resume) without HTTP. Objects are stored exactly as the desired props say.
 */
import { assertNever } from '../../src/errors.js';
import type { CatalogNeeds, CloudCatalog } from '../../src/engine/cloud-facts.js';
import type { Provider } from '../../src/engine/provider.js';
import type { TargetIdentity } from '../../src/engine/target-identity.js';
import type { ActionRunner } from '../../src/execute/runner.js';
import type { JsonObject, ObservedResource, ResourceType } from '../../src/plan/types.js';

export interface FakeObject {
  id: string;
  type: ResourceType;
  props: JsonObject;
}

export class FakeCloud {
  readonly objects = new Map<string, FakeObject>();
  readonly calls: string[] = [];
  private nextId = 100;
  /** Throw on the next create of this address (once). */
  failOnce = new Set<string>();
  /** Make this address, then throw as if the answer said it failed (once). */
  failAfterCreate = new Set<string>();
  /** The catalogue the provider answers with; none (no check) unless a test sets one. */
  catalog?: CloudCatalog;
  /** What each catalogue read asked for. */
  readonly catalogReads: CatalogNeeds[] = [];
  /** What the provider says it talks to (`Provider.target`). */
  target?: TargetIdentity;

  observe(): ObservedResource[] {
    return [...this.objects.entries()].map(([address, o]) => ({
      address,
      type: o.type,
      id: o.id,
      props: o.props,
    }));
  }

  add(address: string, type: ResourceType, props: JsonObject): FakeObject {
    const object = { id: String(this.nextId++), type, props };
    this.objects.set(address, object);
    return object;
  }

  provider(): Provider {
    const runner: ActionRunner = {
      describe: (action) => ({ kind: action.kind, address: action.address }),
      run: async (action) => {
        this.calls.push(`${action.kind} ${action.address}`);
        if (this.failOnce.delete(action.address)) throw new Error(`injected failure for ${action.address}`);
        switch (action.kind) {
          case 'create': {
            const o = this.add(action.address, action.type, action.props);
            if (this.failAfterCreate.delete(action.address))
              throw new Error(`injected failure after creating ${action.address}`);
            return { resource: { address: action.address, type: action.type, id: o.id, attrs: {} } };
          }
          case 'update':
          case 'replace': {
            const o = this.add(action.address, action.type, action.after);
            return { resource: { address: action.address, type: action.type, id: o.id, attrs: {} } };
          }
          case 'delete':
            this.objects.delete(action.address);
            return { resource: null };
          // Infra-only: no plan given to this fake holds Talos or Kubernetes work.
          case 'drain':
          case 'leave-etcd':
          case 'apply-config':
          case 'bootstrap':
          case 'upgrade':
          case 'wait':
          case 'upgrade-kubernetes':
            return {};
          default:
            return assertNever(action, 'action');
        }
      },
      reconcile: async (pending) => {
        const found = this.objects.get(pending.address);
        if (pending.kind === 'create' && found) {
          return {
            status: 'done',
            outcome: {
              resource: { address: pending.address, type: found.type, id: found.id, attrs: {} },
              adopted: true,
            },
          };
        }
        if (pending.kind === 'delete' && !found) return { status: 'done', outcome: { resource: null } };
        return { status: 'not-done', reason: 'not found' };
      },
    };
    const catalog = this.catalog;
    return {
      runner,
      talos: false,
      observe: async () => ({ resources: this.observe(), operatorIpv4: '127.0.0.1' }),
      ...(this.target === undefined ? {} : { target: this.target }),
      ...(catalog
        ? {
            catalog: async (needs: CatalogNeeds) => {
              this.catalogReads.push(needs);
              const { talosImages: _images, ...withoutImages } = catalog;
              return needs.images ? catalog : withoutImages;
            },
          }
        : {}),
    };
  }
}
