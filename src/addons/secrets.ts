/** The secrets the loaded addons declared, by the name hk8s keeps them under in the event log. */
import type { SecretRequest } from '../addon/index.js';
import { addonSecretName } from './placeholders.js';
import type { AddonRegistry } from './registry.js';

export function declaredSecrets(registry: AddonRegistry): Map<string, SecretRequest> {
  const secrets = new Map<string, SecretRequest>();
  for (const { definition } of registry.addons) {
    for (const secret of definition.secrets ?? [])
      secrets.set(addonSecretName(definition.name, secret.name), secret);
  }
  return secrets;
}
