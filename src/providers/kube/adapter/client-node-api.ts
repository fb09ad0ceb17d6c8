/**
 * KubeApi over @kubernetes/client-node 1.x. This module imports the library at runtime, so it is
 * itself only ever loaded through the dynamic `import()` in ../index.ts.
 */
import * as k8s from '@kubernetes/client-node';
import type {
  ApplyOptions,
  CallOptions,
  DeleteObjectOptions,
  EvictOptions,
  EvictionOutcome,
  KubeApi,
  KubeObject,
  NodeObject,
  ObjectRef,
  PdbObject,
  PodObject,
  PodQuery,
  ServerVersion,
} from '../api.js';
import { objectLabel } from '../apply.js';
import { KubeApiError } from '../errors.js';
import { inScope, signalMiddleware } from './call-scope.js';
import { nodeFromV1, pdbFromV1, podFromV1 } from './from-v1.js';
import { toKubeApiError } from './http-errors.js';
import { loadKubeconfig } from './kubeconfig.js';
import { ObjectApi } from './object-api.js';

export interface ClientNodeApiOptions {
  /** Per HTTP request. */
  requestTimeoutMs: number;
}

const isStatus = (error: unknown, ...codes: number[]): error is KubeApiError =>
  error instanceof KubeApiError && error.status !== undefined && codes.includes(error.status);

export class ClientNodeKubeApi implements KubeApi {
  private readonly core: k8s.CoreV1Api;
  private readonly policy: k8s.PolicyV1Api;
  private readonly versions: k8s.VersionApi;
  private readonly objects: ObjectApi;
  /** The API server URL, for `where` in errors. */
  readonly server: string;

  constructor(
    kubeconfigYaml: string,
    private readonly options: ClientNodeApiOptions,
  ) {
    const { kc, server } = loadKubeconfig(kubeconfigYaml);
    this.server = server;
    const configuration = k8s.createConfiguration({
      baseServer: new k8s.ServerConfiguration(server, {}),
      authMethods: { default: kc },
      promiseMiddleware: [signalMiddleware],
    });
    this.core = new k8s.CoreV1Api(configuration);
    this.policy = new k8s.PolicyV1Api(configuration);
    this.versions = new k8s.VersionApi(configuration);
    this.objects = new ObjectApi(configuration, kc);
  }

  private request<T>(
    operation: string,
    where: string,
    call: CallOptions | undefined,
    fn: () => Promise<T>,
  ): Promise<T> {
    return inScope(call?.signal, this.options.requestTimeoutMs, fn, (error, timedOut) => {
      throw toKubeApiError(error, operation, `${where} (${this.server})`, timedOut);
    });
  }

  async listNodes(query: { labelSelector?: string } = {}, call?: CallOptions): Promise<NodeObject[]> {
    const list = await this.request('list nodes', 'nodes', call, () => this.core.listNode(query));
    return list.items.map(nodeFromV1);
  }

  async getNode(name: string, call?: CallOptions): Promise<NodeObject | undefined> {
    try {
      return nodeFromV1(
        await this.request('get node', `node ${name}`, call, () => this.core.readNode({ name })),
      );
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async setUnschedulable(name: string, unschedulable: boolean, call?: CallOptions): Promise<NodeObject> {
    const operation = unschedulable ? 'cordon node' : 'uncordon node';
    // JSON merge patch: null removes the field, which is what kubectl's uncordon leaves behind.
    const body = { spec: { unschedulable: unschedulable ? true : null } };
    const headers = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    return nodeFromV1(
      await this.request(operation, `node ${name}`, call, () => this.core.patchNode({ name, body }, headers)),
    );
  }

  async deleteNode(name: string, call?: CallOptions): Promise<'deleted' | 'not-found'> {
    try {
      await this.request('delete node', `node ${name}`, call, () => this.core.deleteNode({ name }));
      return 'deleted';
    } catch (error) {
      if (isStatus(error, 404)) return 'not-found';
      throw error;
    }
  }

  async listPods(query: PodQuery = {}, call?: CallOptions): Promise<PodObject[]> {
    const params = {
      ...(query.nodeName === undefined ? {} : { fieldSelector: `spec.nodeName=${query.nodeName}` }),
      ...(query.labelSelector === undefined ? {} : { labelSelector: query.labelSelector }),
    };
    const where = query.nodeName
      ? `pods on node ${query.nodeName}`
      : `pods in ${query.namespace ?? 'all namespaces'}`;
    const namespace = query.namespace;
    const list = await this.request('list pods', where, call, () =>
      namespace === undefined
        ? this.core.listPodForAllNamespaces(params)
        : this.core.listNamespacedPod({ namespace, ...params }),
    );
    return list.items.map(podFromV1);
  }

  async evictPod(
    pod: { namespace: string; name: string },
    options: EvictOptions = {},
    call?: CallOptions,
  ): Promise<EvictionOutcome> {
    const body: k8s.V1Eviction = {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: pod.name, namespace: pod.namespace },
      deleteOptions: {
        ...(options.gracePeriodSeconds === undefined
          ? {}
          : { gracePeriodSeconds: options.gracePeriodSeconds }),
        ...(options.dryRun ? { dryRun: ['All'] } : {}),
      },
    };
    try {
      await this.request('evict pod', `pod ${pod.namespace}/${pod.name}`, call, () =>
        this.core.createNamespacedPodEviction({ name: pod.name, namespace: pod.namespace, body }),
      );
      return { kind: 'evicted' };
    } catch (error) {
      return evictionRefusal(error);
    }
  }

  async listPodDisruptionBudgets(namespace: string, call?: CallOptions): Promise<PdbObject[]> {
    const list = await this.request('list pod disruption budgets', `namespace ${namespace}`, call, () =>
      this.policy.listNamespacedPodDisruptionBudget({ namespace }),
    );
    return list.items.map(pdbFromV1);
  }

  apply(object: KubeObject, options: ApplyOptions, call?: CallOptions): Promise<KubeObject> {
    return this.request(
      'server-side apply',
      objectLabel({ ...object.metadata, kind: object.kind }),
      call,
      () => this.objects.apply(object, options),
    );
  }

  async deleteObject(
    ref: ObjectRef,
    options: DeleteObjectOptions = {},
    call?: CallOptions,
  ): Promise<'deleted' | 'not-found'> {
    try {
      await this.request('delete', objectLabel(ref), call, () => this.objects.deleteRef(ref, options));
      return 'deleted';
    } catch (error) {
      if (isStatus(error, 404)) return 'not-found';
      throw error;
    }
  }

  async getObject(ref: ObjectRef, call?: CallOptions): Promise<KubeObject | undefined> {
    try {
      return await this.request('get', objectLabel(ref), call, () => this.objects.readRaw(ref));
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async version(call?: CallOptions): Promise<ServerVersion> {
    const info = await this.request('get version', 'version', call, () => this.versions.getCode());
    return { major: info.major, minor: info.minor, gitVersion: info.gitVersion, platform: info.platform };
  }
}

/** 404: already gone; 429: a budget (or a stale budget status) refuses now; 403 NamespaceTerminating: retry. */
function evictionRefusal(error: unknown): EvictionOutcome {
  if (isStatus(error, 404)) return { kind: 'gone' };
  if (isStatus(error, 429)) {
    return {
      kind: 'blocked',
      reason: 'disruption-budget',
      message: refusalText(error),
      ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
    };
  }
  if (isStatus(error, 403) && error.causes.some((c) => c.reason === 'NamespaceTerminating')) {
    return { kind: 'blocked', reason: 'namespace-terminating', message: refusalText(error) };
  }
  throw error;
}

function refusalText(error: KubeApiError): string {
  return error.serverMessage ?? error.message;
}
