// The HSM screen's "Cloud HSMs" panel: an Azure vault's keys, a Cloud KMS key ring's keys, or the
// CloudHSM clusters of a region, listed with the credentials this machine already has.
import { useId, useState } from 'react';
import type { ResponseOf } from '../../../shared/olocus-api';
import { api } from '../api/client';
import { ErrorNote, Note, useCall } from './common';

type Provider = 'azure' | 'gcp' | 'aws';
type Inventory = ResponseOf<'cloudInventory'>;

const PLACEHOLDER: Record<Provider, string> = {
  azure: 'azurekv://VAULT-NAME.vault.azure.net',
  gcp: 'gcpkms://projects/P/locations/L/keyRings/R',
  aws: 'awscloudhsm://eu-west-1',
};

const dash = (v: string | number | null | undefined) =>
  v === null || v === undefined || v === '' ? '—' : v;

function AzureTable({ r }: { r: Extract<Inventory, { provider: 'azure' }> }) {
  return (
    <table>
      <caption>
        Keys in <code>{r.address}</code> ({r.managedHsm ? 'Managed HSM' : 'Key Vault'})
      </caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Type</th>
          <th scope="col">Curve or size</th>
          <th scope="col">Enabled</th>
          <th scope="col">SPKI SHA-256</th>
        </tr>
      </thead>
      <tbody>
        {r.keys.map((k) => (
          <tr key={k.name}>
            <td>{k.name}</td>
            <td>{k.kty}</td>
            <td>{dash(k.curve ?? k.size)}</td>
            <td>{k.enabled === null ? '—' : k.enabled ? 'yes' : 'no'}</td>
            <td>{k.spkiSha256 ? <code className="wrap">{k.spkiSha256}</code> : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function GcpTable({ r }: { r: Extract<Inventory, { provider: 'gcp' }> }) {
  return (
    <table>
      <caption>
        Keys in <code>{r.address}</code>
      </caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Purpose</th>
          <th scope="col">Protection</th>
          <th scope="col">Algorithm</th>
          <th scope="col">Versions</th>
        </tr>
      </thead>
      <tbody>
        {r.keys.map((k) => (
          <tr key={k.address}>
            <td>{k.name}</td>
            <td>{k.purpose}</td>
            <td>{k.protectionLevel}</td>
            <td>{k.algorithm}</td>
            <td>
              {k.versionCount}
              {k.versionStates.length > 0
                ? ` (${k.versionStates.map((s) => `${s.state} ×${s.count}`).join(', ')})`
                : ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AwsTable({ r }: { r: Extract<Inventory, { provider: 'aws' }> }) {
  return (
    <table>
      <caption>
        CloudHSM clusters in <code>{r.address}</code>
      </caption>
      <thead>
        <tr>
          <th scope="col">Cluster</th>
          <th scope="col">State</th>
          <th scope="col">HSM type</th>
          <th scope="col">HSMs</th>
          <th scope="col">Backups</th>
        </tr>
      </thead>
      <tbody>
        {r.clusters.map((c) => (
          <tr key={c.clusterId}>
            <td>
              <code>{c.clusterId}</code>
            </td>
            <td>{dash(c.state)}</td>
            <td>{dash(c.hsmType)}</td>
            <td>
              {c.hsms.length === 0 ? (
                'none'
              ) : (
                <ul className="mechs">
                  {c.hsms.map((h) => (
                    <li key={h.hsmId}>
                      {dash(h.availabilityZone)}: {dash(h.state)}
                    </li>
                  ))}
                </ul>
              )}
            </td>
            <td>
              {dash(c.backupPolicy)}
              {c.backupRetention ? `, kept ${c.backupRetention}` : ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Results({ r }: { r: Inventory }) {
  const count = r.provider === 'aws' ? r.clusters.length : r.keys.length;
  if (count === 0)
    return (
      <Note live>
        Nothing listed in <code>{r.address}</code>.
      </Note>
    );
  return (
    <div className="table-scroll">
      <p className="muted" role="status">
        {count} {r.provider === 'aws' ? 'cluster' : 'key'}
        {count === 1 ? '' : 's'} listed.
      </p>
      {r.provider === 'azure' ? (
        <AzureTable r={r} />
      ) : r.provider === 'gcp' ? (
        <GcpTable r={r} />
      ) : (
        <AwsTable r={r} />
      )}
    </div>
  );
}

export function CloudInventoryPanel() {
  const [provider, setProvider] = useState<Provider>('azure');
  const [address, setAddress] = useState('');
  const [endpoint, setEndpoint] = useState('');
  const list = useCall((p: Provider, a: string, e: string) =>
    api().cloudInventory({ provider: p, address: a, ...(e ? { endpoint: e } : {}) }),
  );
  const id = useId();
  return (
    <form
      className="panel"
      aria-labelledby={`${id}-h`}
      onSubmit={(e) => {
        e.preventDefault();
        void list.run(provider, address.trim(), endpoint.trim());
      }}
    >
      <h2 id={`${id}-h`}>Cloud HSMs</h2>
      <p className="muted">
        Uses the credentials this machine already has (environment, CLI sign-in); none are asked for
        or stored.
      </p>
      <div className="field">
        <label htmlFor={`${id}-p`}>Provider</label>
        <select
          id={`${id}-p`}
          value={provider}
          onChange={(e) => setProvider(e.target.value as Provider)}
        >
          <option value="azure">Azure Key Vault / Managed HSM</option>
          <option value="gcp">Google Cloud KMS / Cloud HSM</option>
          <option value="aws">AWS CloudHSM</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-a`}>Address</label>
        <div className="inline">
          <input
            id={`${id}-a`}
            type="text"
            spellCheck={false}
            required
            maxLength={512}
            placeholder={PLACEHOLDER[provider]}
            value={address}
            onChange={(e) => setAddress(e.target.value)}
          />
          <button type="submit" disabled={list.busy}>
            {list.busy ? 'Listing…' : 'List'}
          </button>
        </div>
      </div>
      <details>
        <summary>Advanced</summary>
        <div className="field">
          <label htmlFor={`${id}-e`}>API endpoint (optional)</label>
          <input
            id={`${id}-e`}
            type="text"
            spellCheck={false}
            maxLength={512}
            value={endpoint}
            onChange={(e) => setEndpoint(e.target.value)}
          />
        </div>
      </details>
      <ErrorNote error={list.error} title="Listing failed" />
      {list.value ? <Results r={list.value} /> : null}
    </form>
  );
}
