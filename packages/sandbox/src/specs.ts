/**
 * Where the sandbox finds the protocol definitions it serves: the OpenAPI file of Hetzner Cloud,
 * the Talos machine-config JSON Schemas and the Talos protos. They are vendored once, in the hk8s
 * repository's `vendor/` and `proto/`, and shared with the clients as data — never as code. This file
 * sits at the same depth in `src/` and `dist/`, so one relative path serves both.
 */
const REPOSITORY_ROOT = new URL('../../../', import.meta.url);

export const HCLOUD_OPENAPI_URL = new URL('vendor/hcloud/hcloud-openapi.json', REPOSITORY_ROOT);
export const TALOS_SCHEMAS_URL = new URL('vendor/talos/', REPOSITORY_ROOT);
export const TALOS_PROTOS_URL = new URL('proto/talos/', REPOSITORY_ROOT);
/** The COSI resource API (`cosi.resource.State`), its own import root as in cosi-project/specification. */
export const COSI_PROTOS_URL = new URL('proto/cosi/', REPOSITORY_ROOT);

/** The sandbox package's own root (where `--import tsx` resolves from when run from source). */
export const PACKAGE_ROOT = new URL('../', import.meta.url);
