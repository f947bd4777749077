// Key families (docs/lifecycle.md): keys rotate | versions | due (keys-rotate.ts), disable |
// schedule-destroy | destroy (keys-retire.ts), and encrypt / decrypt (cipher.ts).
import type { CommandSpec } from '../spec';
import { decryptCommand, encryptCommand } from './cipher';
import { keysDestroyCommand, keysDisableCommand, keysScheduleDestroyCommand } from './keys-retire';
import { keysDueCommand, keysRotateCommand, keysVersionsCommand } from './keys-rotate';

export { TEST_CLOCK_ENV, lifecycleClock } from './lifecycle-flags';

export const LIFECYCLE_COMMANDS: readonly CommandSpec[] = [
  keysRotateCommand,
  keysVersionsCommand,
  keysDueCommand,
  keysDisableCommand,
  keysScheduleDestroyCommand,
  keysDestroyCommand,
  encryptCommand,
  decryptCommand,
];
