/**
 * Server-side apply and delete of arbitrary objects. The resource path comes from client-node's
 * KubernetesObjectApi (discovery: apiVersion/kind → plural and scope, cached per apiVersion), but
 * the apply body is sent as the caller's exact JSON: KubernetesObjectApi.patch re-serializes built-in
 * kinds through its generated models, which silently drops fields newer than the library's models.
 */
import {
  ApiException,
  HttpMethod,
  KubernetesObjectApi,
  PatchStrategy,
  type Configuration,
  type KubeConfig,
  type KubernetesObject,
  type ResponseContext,
} from '@kubernetes/client-node';
import type { ApplyOptions, DeleteObjectOptions, KubeObject, ObjectRef } from '../api.js';
import { KubeApiError } from '../errors.js';

/** Marks our raw requests so that their answers are returned as parsed JSON, not as model instances. */
const RAW_JSON = 'hk8s.raw-json';

export class ObjectApi extends KubernetesObjectApi {
  constructor(configuration: Configuration, kc: KubeConfig) {
    super(configuration);
    this.setDefaultNamespace(kc);
  }

  async apply(object: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    const spec: KubernetesObject = { ...object, metadata: { ...object.metadata } };
    await this.requireResource(object.apiVersion, object.kind);
    const path = await this.specUriPath(spec, 'patch');
    const request = this.configuration.baseServer.makeRequestContext(path, HttpMethod.PATCH);
    request.setHeaderParam('Accept', 'application/json');
    request.setHeaderParam('Content-Type', PatchStrategy.ServerSideApply);
    request.setQueryParam('fieldManager', options.fieldManager);
    request.setQueryParam('force', String(options.force));
    if (options.dryRun) request.setQueryParam('dryRun', 'All');
    // JSON is YAML, and it keeps every field exactly as given.
    request.setBody(JSON.stringify(object));
    return this.requestPromise<KubeObject & KubernetesObject>(request, RAW_JSON);
  }

  async readRaw(ref: ObjectRef): Promise<KubeObject> {
    await this.requireResource(ref.apiVersion, ref.kind);
    const spec: KubernetesObject = {
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
    };
    const path = await this.specUriPath(spec, 'read');
    const request = this.configuration.baseServer.makeRequestContext(path, HttpMethod.GET);
    request.setHeaderParam('Accept', 'application/json');
    return this.requestPromise<KubeObject & KubernetesObject>(request, RAW_JSON);
  }

  async deleteRef(ref: ObjectRef, options: DeleteObjectOptions): Promise<void> {
    await this.requireResource(ref.apiVersion, ref.kind);
    const spec: KubernetesObject = {
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
    };
    await this.delete(
      spec,
      undefined,
      options.dryRun ? 'All' : undefined,
      undefined,
      undefined,
      options.propagationPolicy,
    );
  }

  private async requireResource(apiVersion: string, kind: string): Promise<void> {
    if ((await this.resource(apiVersion, kind)) !== undefined) return;
    throw new KubeApiError(
      'kube.not-found',
      `the API server offers no resource of kind ${kind} in ${apiVersion}`,
      {
        where: `${kind} (${apiVersion})`,
        status: 404,
        hint: 'check apiVersion and kind; a custom resource needs its CustomResourceDefinition applied first',
      },
    );
  }

  protected override async processResponse<T extends KubernetesObject>(
    response: ResponseContext,
    type?: string,
  ): Promise<T> {
    if (type !== RAW_JSON) return super.processResponse<T>(response, type);
    const text = await response.body.text();
    if (response.httpStatusCode >= 200 && response.httpStatusCode <= 299) return JSON.parse(text) as T;
    throw new ApiException(response.httpStatusCode, 'Unsuccessful HTTP Request', text, response.headers);
  }
}
