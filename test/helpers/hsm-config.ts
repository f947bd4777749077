// A SoftHSM hsm-config.yaml in memory: the token, the module and a PIN file, plus extra lines.
import { parseHsmConfig } from '../../src/main/config/index';
import type { HsmConfig } from '../../src/main/config/index';
import { SOFTHSM_MODULE } from './softhsm';

export function softhsmConfig(
  tokenLabel: string,
  pinFile: string,
  extra: string[] = [],
  modulePath = SOFTHSM_MODULE,
): HsmConfig {
  const text = [
    'hsm:',
    '  provider: softhsm',
    '  pkcs11:',
    `    module_path: ${modulePath}`,
    `    token_label: ${tokenLabel}`,
    `    pin_source: "file:${pinFile}"`,
    ...extra,
  ].join('\n');
  return parseHsmConfig(text, 'hsm-config.yaml').config;
}
