/**
 * Talos secrets and PKI: the secrets bundle, its YAML form, OS-CA-signed client and server
 * certificates, and talosconfig files.
 */
export { generateSecrets, type GenerateSecretsOptions } from './secrets.js';
export { secretsToYaml, secretsFromYaml, type SecretsFromYamlOptions } from './bundle-yaml.js';
export {
  createCertificateAuthority,
  issueClientCertificate,
  issueServerCertificate,
  CA_VALIDITY_HOURS,
  CLIENT_VALIDITY_HOURS,
  SERVER_VALIDITY_HOURS,
  type CertificateAuthorityOptions,
  type ClientCertificateOptions,
  type ServerCertificateOptions,
} from './certificates.js';
export {
  buildTalosconfig,
  parseTalosconfig,
  type TalosconfigOptions,
  type TalosconfigContext,
  type ParseTalosconfigOptions,
} from './talosconfig.js';
export { certificateInfo, isIssuedBy, type CertificateInfo, type KeyUsageName } from './info.js';
export { toNodePrivateKeyPem, loadPrivateKey, PEM_LABEL, type KeyAlgorithm } from './keys.js';
export { generateToken, TOKEN_PATTERN, type RandomSource } from './random.js';
