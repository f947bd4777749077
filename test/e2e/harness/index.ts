// The end-to-end harness: a bridge on a fresh SoftHSM, headless Debian Chromium, screenshots
// and accessibility checks. See session.ts for the order things start in.
export { startE2e, waitFor } from './session';
export type { E2eOptions, E2eSession, OpenedPage } from './session';
export { CHROMIUM_ARGS, CHROMIUM_PATH, launchChromium, watchPage } from './browser';
export type { PageWatch } from './browser';
export {
  RESULTS_DIR,
  expectNoSeriousA11yViolations,
  formatViolations,
  screenshot,
  seriousA11yViolations,
} from './artifacts';
export type { A11yViolation } from './artifacts';
export { rawClients } from './raw-clients';
export type { HttpAnswer, RawClients } from './raw-clients';
