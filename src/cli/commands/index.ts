// Every command, in the order --help lists them.
import type { CommandSpec } from '../spec';
import {
  ceremonyDrillCommand,
  ceremonyRehearseCommand,
  ceremonyRunCommand,
  ceremonyValidateCommand,
} from './ceremony';
import { attestKeyCommand, attestMarvellCommand, attestYubiHsmCommand } from './attest';
import { verifyAuditCommand, verifyManifestCommand, verifyReportCommand } from './audit';
import { configCheckCommand } from './config';
import { demoCommand } from './demo';
import { migrateCommand } from './migrate';
import { keysGenerateCommand, keysListCommand } from './keys';
import { signCommand, verifyCommand } from './signing';
import { tokensCommand } from './tokens';
import { AWS_COMMANDS } from './aws';
import { AZURE_COMMANDS } from './azure';
import { GCP_COMMANDS } from './gcp';
import { LIFECYCLE_COMMANDS } from './lifecycle';

export const COMMANDS: readonly CommandSpec[] = [
  tokensCommand,
  keysListCommand,
  keysGenerateCommand,
  ...LIFECYCLE_COMMANDS,
  signCommand,
  verifyCommand,
  configCheckCommand,
  ceremonyValidateCommand,
  ceremonyRunCommand,
  ceremonyRehearseCommand,
  ceremonyDrillCommand,
  demoCommand,
  verifyAuditCommand,
  verifyReportCommand,
  verifyManifestCommand,
  attestKeyCommand,
  attestMarvellCommand,
  attestYubiHsmCommand,
  migrateCommand,
  ...AZURE_COMMANDS,
  ...GCP_COMMANDS,
  ...AWS_COMMANDS,
];
