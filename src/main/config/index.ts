// hsm-config.yaml: loading, validation, and the effective configuration.

export { loadHsmConfig, parseHsmConfig } from './load';
export type { ParseOptions, ParsedHsmConfig } from './load';
export { ConfigError, formatIssue, isConfigError } from './issues';
export type { ConfigIssue } from './issues';
export { effectiveConfig, formatEffectiveConfig, listEffects, redactConfig } from './effective';
export { KEY_EFFECTS, UNUSED } from './effects';
export type { EffectiveSection, EffectiveValue } from './effective';
export { formatDuration, parseDuration, tryParseDuration } from './duration';
export { PROVIDERS, PROVIDER_PROFILES, isPkcs11Provider, isProvider } from './providers';
export type { Provider, ProviderProfile } from './providers';
export { formatPinSource, parsePinSource } from './secrets';
export type { PinSource } from './secrets';
export { hsmConfigSchema } from './schema';
export type * from './schema';
export { poolOptionsFromConfig, retrySettingsFromConfig } from './pool';
export { addressWithConfig, hasScheme, tokenUriFromConfig } from './target';
