// token.initialize: a fresh token, its two PINs split among the officers before the HSM is
// touched (so a crash never leaves a token nobody can open), the audit key, and the ledger.
import { randomBytes } from 'node:crypto';
import { Ledger } from '../../audit/index';
import { ErrorCode, OlocusError } from '../../../shared/errors';
import { Secret } from '../../../shared/secret';
import {
  protectShare,
  renderShareCard,
  splitSecret,
  toShareText,
  wipeShares,
} from '../quorum/index';
import type { Step } from '../script/schema';
import type { RunContext } from './context';
import { TOKEN_PINS, fingerprint, splitTokenPins } from './context';
import type { IssuedShare } from './room';
import type { StepState } from './state';

type TokenStep = Extract<Step, { type: 'token.initialize' }>;

export const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** Splits a fresh secret, writes one card per officer, records the commitments; returns the shares. */
export async function issueSecret(
  ctx: RunContext,
  secretId: string,
  secret: Uint8Array,
  cardSuffix: string,
): Promise<IssuedShare[]> {
  const { script } = ctx;
  const split = await splitSecret(secret, {
    ceremonyId: script.ceremony.id,
    secretId,
    threshold: script.quorum.threshold,
    custodians: script.roles.officers,
  });
  const issued: IssuedShare[] = [];
  try {
    for (const envelope of split.shares) {
      // An officer may seal their share under a passphrase of their own, asked for as the card
      // is printed; the card and its text then carry only the sealed form.
      const passphrase = await ctx.room.choosePassphrase?.({
        secretId,
        custodian: envelope.custodian,
      });
      let sealed: Secret | undefined;
      try {
        if (passphrase) sealed = Secret.adopt(await protectShare(envelope.share, passphrase));
      } finally {
        if (passphrase instanceof Secret) passphrase.dispose();
      }
      try {
        const card = await renderShareCard(envelope, {
          ceremonyName: script.ceremony.name,
          location: script.ceremony.location,
          date: ctx.now(),
          ...(sealed ? { protectedShare: sealed } : {}),
        });
        const printed = sealed ? { ...envelope, share: sealed, protected: true } : envelope;
        const rel = await ctx.output(
          `shares/${slug(envelope.custodian)}${cardSuffix}.pdf`,
          card,
          0o600,
        );
        issued.push({
          secretId,
          custodian: envelope.custodian,
          card: rel,
          text: toShareText(printed),
        });
      } finally {
        sealed?.dispose();
      }
    }
  } finally {
    wipeShares(split.shares);
  }
  ctx.state.secrets[secretId] = {
    threshold: script.quorum.threshold,
    total: script.roles.officers.length,
    custodians: [...script.roles.officers],
    commitments: split.commitments,
    secretCommitment: split.secretCommitment,
  };
  await ctx.save();
  return issued;
}

export async function initializeToken(
  ctx: RunContext,
  step: TokenStep,
  st: StepState,
): Promise<string> {
  let statement = '';
  if (st.status === 'started') {
    throw new OlocusError(
      ErrorCode.POLICY_VIOLATION,
      `The previous run stopped inside token initialisation, before the ledger existed. Nothing of value is on token "${ctx.hsm.tokenLabel}" yet: have its Security Officer clear it, then start the ceremony in a new directory.`,
    );
  }
  st.status = 'started';
  st.startedAt = ctx.now().toISOString();
  await ctx.save();

  const secret = Secret.adopt(randomBytes(32));
  const { soPin, userPin } = secret.use(splitTokenPins);
  try {
    const issued = await secret.use((b) => issueSecret(ctx, TOKEN_PINS, b, ''));
    if (ctx.state.mode === 'demo') {
      // Demo only: a reviewer can open the token. Nothing else ever writes a PIN.
      await soPin.use((b) => ctx.output('demo-secrets/so-pin', b, 0o600));
      await userPin.use((b) => ctx.output('demo-secrets/user-pin', b, 0o600));
    }
    await ctx.room.sharesIssued(issued);

    const module = await ctx.moduleProvider();
    let info;
    try {
      info = await module.initToken(
        soPin.copy(), // initToken zeroes it
        ctx.hsm.tokenLabel,
        (step.slot_id ?? ctx.hsm.slotId) ? { slotId: (step.slot_id ?? ctx.hsm.slotId)! } : {},
      );
    } finally {
      await module.close();
    }
    const hsm = await ctx.provider();
    // Each call zeroes the bytes it is given: it gets a copy; the Secrets are disposed below.
    await hsm.login(soPin.copy(), 'so');
    await hsm.initUserPin(userPin.copy());
    await hsm.logout();
    await hsm.login(userPin.copy());
    ctx.markLoggedIn();
    ctx.state.token = {
      label: info.label,
      serial: info.serial,
      manufacturer: info.manufacturer,
      model: info.model,
    };

    const audit = await hsm.generateKeyPair(step.audit_key.type, { label: step.audit_key.label });
    const spki = await hsm.publicKey({ label: step.audit_key.label, class: 'public' });
    ctx.state.auditKey = { label: step.audit_key.label, spkiSha256: audit.publicKey.spkiSha256! };
    await ctx.save();

    ctx.ledger = await Ledger.create(ctx.path('audit.jsonl'), {
      ceremonyId: ctx.script.ceremony.id,
      actor: ctx.actor,
      signer: ctx.auditSigner(spki, step.audit_key.label),
    });
    const s = ctx.script;
    await ctx.event(null, 'ceremony.started', {
      id: s.ceremony.id,
      name: s.ceremony.name,
      location: s.ceremony.location,
      script_sha256: ctx.state.scriptSha256,
      mode: ctx.state.mode,
      roles: s.roles,
      quorum: { threshold: s.quorum.threshold, total: s.roles.officers.length },
    });
    await ctx.event(step.id, 'step.started', {
      type: step.type,
      title: step.title ?? step.id,
      at: st.startedAt,
    });
    await ctx.event(step.id, 'token.initialized', {
      ...ctx.state.token,
      firmware: info.firmwareVersion,
      slot: info.slotId,
    });
    const rec = ctx.state.secrets[TOKEN_PINS]!;
    await ctx.event(step.id, 'secret.split', {
      split: TOKEN_PINS,
      protects: 'the Security Officer PIN and the user PIN of the ceremony token',
      threshold: rec.threshold,
      total: rec.total,
      commitments: rec.commitments,
      combined_commitment: rec.secretCommitment,
      cards: issued.map((i) => ({ custodian: i.custodian, card: i.card })),
    });
    await ctx.event(step.id, 'key.generated', {
      label: step.audit_key.label,
      purpose: 'audit ledger signing',
      type: step.audit_key.type,
      spki_sha256: audit.publicKey.spkiSha256,
      provenance: audit.privateKey.provenance,
    });
    st.results = {
      token: ctx.state.token,
      cards: issued.map((i) => i.card),
      auditKey: {
        label: step.audit_key.label,
        type: step.audit_key.type,
        fingerprint: fingerprint(audit.publicKey.spkiSha256!),
      },
    };
    statement = 'The token was initialised and every officer received a share card.';
  } finally {
    secret.dispose();
    soPin.dispose();
    userPin.dispose();
  }
  return statement;
}
