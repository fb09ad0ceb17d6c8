/**
 * Typed calls over openapi-fetch. `call` checks the path, query and body against the generated `paths`
 * at compile time and hands one HTTP exchange to the pipeline, which owns retries and errors.
 */
import type { Client } from 'openapi-fetch';
import type { Pipeline, RawAnswer, RunOptions } from './pipeline.js';
import type { Safety } from './retry-policy.js';
import type { HttpMethod, JsonBody, JsonOk, PathWith, QueryOf, paths } from './types.js';

export interface CallInit<P extends keyof paths, M extends HttpMethod> {
  pathParams?: Record<string, number>;
  query?: QueryOf<P, M>;
  body?: JsonBody<P, M>;
}

export interface CallSpec {
  op: string;
  safety: Safety;
  where?: string;
}

/** openapi-fetch's methods, seen without their per-path overloads (the types are checked by `call`). */
type LooseMethod = (
  path: string,
  init: {
    params?: { path?: Record<string, number>; query?: unknown };
    body?: unknown;
    signal?: AbortSignal;
  },
) => Promise<RawAnswer>;
type LooseClient = Record<HttpMethod, LooseMethod>;

export class Transport {
  private readonly loose: LooseClient;

  constructor(
    client: Client<paths>,
    private readonly pipeline: Pipeline,
  ) {
    // Boundary: one untyped view of the generated client, for paths chosen at run time.
    this.loose = client as unknown as LooseClient;
  }

  call<M extends HttpMethod, P extends PathWith<M>>(
    method: M,
    path: P,
    init: CallInit<P, M>,
    spec: CallSpec,
    options: RunOptions<JsonOk<P, M>> = {},
  ): Promise<JsonOk<P, M>> {
    return this.callMapped(method, path, init, spec, (data) => data, options);
  }

  /** Like `call`, with the answer mapped by `map` (and `verify` answering in the mapped shape). */
  callMapped<M extends HttpMethod, P extends PathWith<M>, R>(
    method: M,
    path: P,
    init: CallInit<P, M>,
    spec: CallSpec,
    map: (data: JsonOk<P, M>) => R,
    options: RunOptions<R> = {},
  ): Promise<R> {
    const params = { path: init.pathParams, query: init.query };
    const send = (signal: AbortSignal): Promise<RawAnswer> =>
      this.loose[method](path, { params, body: init.body, signal });
    return this.pipeline.run(
      { op: spec.op, method, path: fillPath(path, init.pathParams), safety: spec.safety, where: spec.where },
      send,
      (data) => map(data as JsonOk<P, M>),
      options,
    );
  }
}

function fillPath(template: string, params: Record<string, number> = {}): string {
  return template.replace(/\{([^}]+)\}/g, (whole, name: string) =>
    params[name] === undefined ? whole : String(params[name]),
  );
}
