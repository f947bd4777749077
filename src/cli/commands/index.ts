// Every command, in the order --help lists them.
import type { CommandSpec } from '../spec';
import {
  ceremonyDrillCommand,
  ceremonyRehearseCommand,
  ceremonyRunCommand,
  ceremonyValidateCommand,
} from './ceremony';
import { ceremonyCardsCommand } from './cards';
import { attestKeyCommand, attestMarvellCommand, attestYubiHsmCommand } from './attest';
import { verifyAuditCommand, verifyManifestCommand, verifyReportCommand } from './audit';
import { auditQueryCommand } from './audit-query';
import { configCheckCommand } from './config';
import { demoCommand } from './demo';
import { migrateCommand } from './migrate';
import { monitorCommand } from './monitor';
import { keysGenerateCommand, keysListCommand } from './keys';
import { signCommand, verifyCommand } from './signing';
import { signBatchCommand } from './sign-batch';
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
  signBatchCommand,
  configCheckCommand,
  ceremonyValidateCommand,
  ceremonyRunCommand,
  ceremonyRehearseCommand,
  ceremonyDrillCommand,
  ceremonyCardsCommand,
  demoCommand,
  verifyAuditCommand,
  auditQueryCommand,
  verifyReportCommand,
  verifyManifestCommand,
  attestKeyCommand,
  attestMarvellCommand,
  attestYubiHsmCommand,
  migrateCommand,
  monitorCommand,
  ...AZURE_COMMANDS,
  ...GCP_COMMANDS,
  ...AWS_COMMANDS,
];
