// Screen 7: move a key between HSMs (wrapped export and import) and show the proof: both
// fingerprints, the method, and whether the source was destroyed.
import { useId, useState } from 'react';
import { api } from '../api/client';
import { ErrorNote, Fingerprint, Row, Screen, useCall } from '../components/common';

type Wrap = 'rsa-aes-kwp' | 'kwp';

const DECIDED_BY = {
  list: 'the token lists the standard number',
  profile: 'named by the vendor profile',
  probe: 'confirmed by a known-answer test on the token',
} as const;

/**
 * The RFC 5649 mechanism one side's module used: modules differ (SoftHSM's 0x210A is another
 * module's RFC 3394 + PKCS#7), so the officer sees the number and why it was chosen.
 */
function KwpMechanism(props: {
  m: { name: string; mechanism: number; decidedBy: keyof typeof DECIDED_BY };
}) {
  const [name] = props.m.name.split(' (');
  return (
    <>
      {name} <code>0x{props.m.mechanism.toString(16).toUpperCase()}</code> ·{' '}
      {DECIDED_BY[props.m.decidedBy]}
    </>
  );
}

export function Transfer() {
  const [fromUri, setFrom] = useState('');
  const [toUri, setTo] = useState('');
  const [wrap, setWrap] = useState<Wrap>('rsa-aes-kwp');
  const [kekLabel, setKek] = useState('');
  const ids = { from: useId(), to: useId(), wrap: useId(), kek: useId() };
  const migrate = useCall(() =>
    api().migrateKey({
      fromUri: fromUri.trim(),
      toUri: toUri.trim(),
      wrap,
      ...(wrap === 'kwp' && kekLabel.trim() ? { kekLabel: kekLabel.trim() } : {}),
    }),
  );
  const r = migrate.value;

  return (
    <Screen
      title="Transfer"
      intro="Copy a key to another HSM, wrapped end to end. The copy is proven before anything is destroyed."
    >
      <form
        className="panel"
        aria-labelledby="transfer-form"
        onSubmit={(e) => {
          e.preventDefault();
          void migrate.run();
        }}
      >
        <h2 id="transfer-form">Source and target</h2>
        <div className="field">
          <label htmlFor={ids.from}>
            Source key (PKCS#11 URI naming the key, with its PIN source)
          </label>
          <input
            id={ids.from}
            type="text"
            spellCheck={false}
            value={fromUri}
            onChange={(e) => setFrom(e.target.value)}
            required
          />
        </div>
        <div className="field">
          <label htmlFor={ids.to}>Target token (PKCS#11 URI, with its PIN source)</label>
          <input
            id={ids.to}
            type="text"
            spellCheck={false}
            value={toUri}
            onChange={(e) => setTo(e.target.value)}
            required
          />
        </div>
        <div className="field">
          <label htmlFor={ids.wrap}>Method</label>
          <select id={ids.wrap} value={wrap} onChange={(e) => setWrap(e.target.value as Wrap)}>
            <option value="rsa-aes-kwp">
              RSA-AES key wrap (target's RSA key and a fresh AES key)
            </option>
            <option value="kwp">AES key wrap with padding under a shared KEK</option>
          </select>
        </div>
        {wrap === 'kwp' ? (
          <div className="field">
            <label htmlFor={ids.kek}>Shared KEK label</label>
            <input
              id={ids.kek}
              type="text"
              value={kekLabel}
              onChange={(e) => setKek(e.target.value)}
            />
          </div>
        ) : null}
        <div className="actions">
          <button type="submit" disabled={migrate.busy || !fromUri.trim() || !toUri.trim()}>
            {migrate.busy ? 'Transferring…' : 'Transfer and verify'}
          </button>
        </div>
        <ErrorNote error={migrate.error} title="Transfer refused" />
      </form>
      {r ? (
        <section className="panel" aria-labelledby="transfer-result">
          <h2 id="transfer-result">Result: {r.label}</h2>
          <dl className="facts">
            <Row term="Key">
              {r.type} ({r.class}), {r.strength.keyBits}-bit strength, wrapped at{' '}
              {r.strength.wrapBits} bits
            </Row>
            <Row term="Method">
              {r.wrap} · {r.mechanisms.join(', ')}
              {r.oaepHash ? ` · OAEP ${r.oaepHash}` : ''}
            </Row>
            <Row term="Source wraps with">
              <KwpMechanism m={r.kwp.source} />
            </Row>
            <Row term="Target unwraps with">
              <KwpMechanism m={r.kwp.target} />
            </Row>
            <Row term="Source">
              {r.source.token} <code>{r.source.uri}</code>
            </Row>
            <Row term="Target">
              {r.target.token} <code>{r.target.uri}</code>
            </Row>
            <Row term="Proof">
              {r.proof.method}
              {r.proof.signatureVerified ? ' · signature verified' : ''}
              {r.proof.kcvMatch ? ' · KCV matches' : ''}
            </Row>
            <Row term="Source destroyed">
              {r.sourceDestroyed
                ? `yes, approved by ${r.sourceDestroyed.approvedBy.join(', ')}`
                : 'no'}
            </Row>
          </dl>
          {r.source.spkiSha256 ? (
            <Fingerprint label="Source public key SHA-256" hex={r.source.spkiSha256} />
          ) : null}
          {r.target.spkiSha256 ? (
            <Fingerprint label="Target public key SHA-256" hex={r.target.spkiSha256} />
          ) : null}
          {r.source.kcv ? <Fingerprint label="Source KCV" hex={r.source.kcv} /> : null}
          {r.target.kcv ? <Fingerprint label="Target KCV" hex={r.target.kcv} /> : null}
          <p
            className={
              r.proof.spkiMatch === false || r.proof.kcvMatch === false ? 'bad-text' : 'ok-text'
            }
            role="status"
          >
            {r.proof.spkiMatch === false || r.proof.kcvMatch === false
              ? 'The copy does not match the source.'
              : 'The copy is proven to be the same key.'}
          </p>
          {r.oaepNote ? <p className="muted">{r.oaepNote}</p> : null}
        </section>
      ) : null}
    </Screen>
  );
}
