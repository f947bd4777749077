// The HSM screen's "Cloud HSMs" panel: an Azure vault's keys, a Cloud KMS key ring's keys, or the
// CloudHSM clusters of a region, listed with the credentials this machine already has.
import { useId, useState } from 'react';
import type { ResponseOf } from '../../../shared/olocus-api';
import { api } from '../api/client';
import { ErrorNote, Note, useCall } from './common';
import { DataTable } from './data-table';
import type { Column } from './data-table';

type Provider = 'azure' | 'gcp' | 'aws';
type Inventory = ResponseOf<'cloudInventory'>;

const PLACEHOLDER: Record<Provider, string> = {
  azure: 'azurekv://VAULT-NAME.vault.azure.net',
  gcp: 'gcpkms://projects/P/locations/L/keyRings/R',
  aws: 'awscloudhsm://eu-west-1',
};

const dash = (v: string | number | null | undefined) =>
  v === null || v === undefined || v === '' ? '—' : v;

type Azure = Extract<Inventory, { provider: 'azure' }>;
type Gcp = Extract<Inventory, { provider: 'gcp' }>;
type Aws = Extract<Inventory, { provider: 'aws' }>;

const AZURE_COLUMNS: readonly Column<Azure['keys'][number]>[] = [
  { header: 'Name', cell: (k) => k.name },
  { header: 'Type', cell: (k) => k.kty },
  { header: 'Curve or size', cell: (k) => dash(k.curve ?? k.size) },
  { header: 'Enabled', cell: (k) => (k.enabled === null ? '—' : k.enabled ? 'yes' : 'no') },
  {
    header: 'SPKI SHA-256',
    cell: (k) => (k.spkiSha256 ? <code className="wrap">{k.spkiSha256}</code> : '—'),
  },
];

const GCP_COLUMNS: readonly Column<Gcp['keys'][number]>[] = [
  { header: 'Name', cell: (k) => k.name },
  { header: 'Purpose', cell: (k) => k.purpose },
  { header: 'Protection', cell: (k) => k.protectionLevel },
  { header: 'Algorithm', cell: (k) => k.algorithm },
  {
    header: 'Versions',
    cell: (k) => (
      <>
        {k.versionCount}
        {k.versionStates.length > 0
          ? ` (${k.versionStates.map((s) => `${s.state} ×${s.count}`).join(', ')})`
          : ''}
      </>
    ),
  },
];

const AWS_COLUMNS: readonly Column<Aws['clusters'][number]>[] = [
  { header: 'Cluster', cell: (c) => <code>{c.clusterId}</code> },
  { header: 'State', cell: (c) => dash(c.state) },
  { header: 'HSM type', cell: (c) => dash(c.hsmType) },
  {
    header: 'HSMs',
    cell: (c) =>
      c.hsms.length === 0 ? (
        'none'
      ) : (
        <ul className="mechs">
          {c.hsms.map((h) => (
            <li key={h.hsmId}>
              {dash(h.availabilityZone)}: {dash(h.state)}
            </li>
          ))}
        </ul>
      ),
  },
  {
    header: 'Backups',
    cell: (c) => (
      <>
        {dash(c.backupPolicy)}
        {c.backupRetention ? `, kept ${c.backupRetention}` : ''}
      </>
    ),
  },
];

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
        <DataTable
          caption={
            <>
              Keys in <code>{r.address}</code> ({r.managedHsm ? 'Managed HSM' : 'Key Vault'})
            </>
          }
          columns={AZURE_COLUMNS}
          rows={r.keys}
          rowKey={(k) => k.name}
        />
      ) : r.provider === 'gcp' ? (
        <DataTable
          caption={
            <>
              Keys in <code>{r.address}</code>
            </>
          }
          columns={GCP_COLUMNS}
          rows={r.keys}
          rowKey={(k) => k.address}
        />
      ) : (
        <DataTable
          caption={
            <>
              CloudHSM clusters in <code>{r.address}</code>
            </>
          }
          columns={AWS_COLUMNS}
          rows={r.clusters}
          rowKey={(c) => c.clusterId}
        />
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
