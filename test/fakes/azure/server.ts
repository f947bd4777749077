// The loopback Azure: one TLS server that answers as Microsoft Entra ID (OpenID metadata, instance
// discovery, client-credentials tokens) and as each fake vault (Key Vault REST with its bearer
// challenge), reached through an HTTP CONNECT proxy on 127.0.0.1 that the SDK finds in
// HTTPS_PROXY. The proxy tunnels only the fake's own host names and refuses everything else, so
// nothing leaves the machine. The certificate comes from a throwaway CA (tls.ts).
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { makeTestPki } from './tls';
import { FakeVault, VaultError } from './vault';

export const ENTRA_HOST = 'login.entra.olocus.test';
/** MSAL asks this host for instance discovery of an authority it does not know. */
const DISCOVERY_HOST = 'login.microsoftonline.com';
/** The resource a vault's challenge names: its host without the first label, as Azure does
 * (vault.azure.net for key vaults, managedhsm.azure.net for Managed HSMs). */
export function resourceOf(host: string): string {
  return `https://${host.split('.').slice(1).join('.')}`;
}

export interface FakeAzureOptions {
  vaults: { host: string; managedHsm?: boolean }[];
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
}

export interface SeenRequest {
  host: string;
  method: string;
  path: string;
  status: number;
}

export interface FakeAzure {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  caPem: string;
  proxyUrl: string;
  vault(host: string): FakeVault;
  /** Every request the fake answered, and every host the proxy refused. */
  requests: SeenRequest[];
  refused: string[];
  /** Environment for a process that should reach the fake with a working credential. */
  env(caFile: string): Record<string, string>;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(
  res: ServerResponse,
  status: number,
  json: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(json));
}

export async function startFakeAzure(options: FakeAzureOptions): Promise<FakeAzure> {
  const tenantId = options.tenantId ?? '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const clientId = options.clientId ?? 'b5c1a4d2-0000-4000-8000-00000000c1e1';
  const clientSecret = options.clientSecret ?? `secret-${randomBytes(8).toString('hex')}`;
  const vaults = new Map(
    options.vaults.map((v) => [v.host, new FakeVault(v.host, v.managedHsm ?? false)]),
  );
  const tokens = new Map<string, { scope: string; expires: number }>();
  const requests: SeenRequest[] = [];
  const refused: string[] = [];
  const hosts = [ENTRA_HOST, DISCOVERY_HOST, ...vaults.keys()];
  const pki = await makeTestPki(hosts);
  const authority = `https://${ENTRA_HOST}/${tenantId}`;

  const entra = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (url.pathname === '/common/discovery/instance')
      return send(res, 200, {
        tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [
          { preferred_network: ENTRA_HOST, preferred_cache: ENTRA_HOST, aliases: [ENTRA_HOST] },
        ],
      });
    const [, tenant, ...rest] = url.pathname.split('/');
    const tail = rest.join('/');
    if (tail === 'v2.0/.well-known/openid-configuration')
      return send(res, 200, {
        token_endpoint: `https://${ENTRA_HOST}/${tenant}/oauth2/v2.0/token`,
        authorization_endpoint: `https://${ENTRA_HOST}/${tenant}/oauth2/v2.0/authorize`,
        end_session_endpoint: `https://${ENTRA_HOST}/${tenant}/oauth2/v2.0/logout`,
        jwks_uri: `https://${ENTRA_HOST}/${tenant}/discovery/v2.0/keys`,
        issuer: `https://${ENTRA_HOST}/${tenant}/v2.0`,
        response_types_supported: ['code', 'id_token', 'code id_token', 'token id_token'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt'],
      });
    if (tail === 'oauth2/v2.0/token' && req.method === 'POST') {
      const form = new URLSearchParams(await body(req));
      if (tenant !== tenantId)
        return send(res, 400, {
          error: 'invalid_tenant',
          error_description: `AADSTS90002: Tenant '${tenant}' not found.`,
        });
      if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret)
        return send(res, 401, {
          error: 'invalid_client',
          error_description: 'AADSTS7000215: Invalid client secret provided.',
          error_codes: [7000215],
        });
      const scope = form.get('scope') ?? '';
      const token = randomBytes(24).toString('base64url');
      tokens.set(token, { scope, expires: Date.now() + 3600_000 });
      return send(res, 200, {
        token_type: 'Bearer',
        expires_in: 3599,
        ext_expires_in: 3599,
        access_token: token,
      });
    }
    return send(res, 404, {
      error: 'not_found',
      error_description: `fake Entra: no ${url.pathname}`,
    });
  };

  const challenge = (res: ServerResponse, vault: FakeVault) =>
    send(
      res,
      401,
      {
        error: {
          code: 'Unauthorized',
          message: 'AKV10000: Request is missing a Bearer or PoP token.',
        },
      },
      {
        'www-authenticate': `Bearer authorization="${authority}", resource="${resourceOf(vault.host)}"`,
      },
    );

  const vaultRoute = async (
    vault: FakeVault,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ) => {
    const auth = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const grant = auth ? tokens.get(auth) : undefined;
    if (
      !grant ||
      grant.expires < Date.now() ||
      grant.scope !== `${resourceOf(vault.host)}/.default`
    ) {
      await body(req);
      return challenge(res, vault);
    }
    if (vault.refuseTokens) {
      await body(req);
      return send(
        res,
        401,
        { error: { code: 'Unauthorized', message: 'AKV10032: Invalid issuer.' } },
        {
          'www-authenticate': `Bearer authorization="${authority}", resource="${resourceOf(vault.host)}"`,
        },
      );
    }
    if (!url.searchParams.get('api-version'))
      return send(res, 400, {
        error: { code: 'BadParameter', message: 'api-version is missing.' },
      });
    const parts = url.pathname.split('/').filter(Boolean);
    const text = await body(req);
    const json = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    const name = parts[1] ?? '';
    if (vault.forbidden.has(name))
      return send(res, 403, {
        error: {
          code: 'Forbidden',
          message: `The user, group or application does not have keys permission on key vault '${vault.host}'.`,
        },
      });
    if (vault.throttled.has(name))
      return send(
        res,
        429,
        {
          error: {
            code: 'Throttled',
            message: 'Request was not processed because too many requests were received.',
          },
        },
        { 'retry-after': '0' },
      );
    const m = req.method;
    if (parts[0] === 'deletedkeys' && parts.length === 2 && m === 'GET') {
      const d = vault.deletedBundle(name);
      return d
        ? send(res, 200, d)
        : send(res, 404, {
            error: { code: 'KeyNotFound', message: `Deleted key ${name} not found.` },
          });
    }
    if (parts[0] !== 'keys')
      return send(res, 404, { error: { code: 'NotFound', message: 'fake vault: unknown path' } });
    if (parts.length === 1 && m === 'GET') return send(res, 200, vault.list());
    if (parts.length === 2 && m === 'PUT') return send(res, 200, vault.importKey(name, json));
    if (parts.length === 3 && parts[2] === 'create' && m === 'POST')
      return send(res, 200, vault.create(name, json));
    if (parts.length === 3 && parts[2] === 'rotate' && m === 'POST')
      return send(res, 200, vault.rotate(name));
    if (parts.length >= 3 && parts[parts.length - 1] === 'attestation' && m === 'GET')
      return send(res, 200, vault.attestation(name, parts.length === 4 ? parts[2] : undefined));
    if (parts.length === 4 && parts[3] === 'sign' && m === 'POST')
      return send(res, 200, vault.sign(name, parts[2]!, json));
    if (parts.length === 4 && parts[3] === 'verify' && m === 'POST')
      return send(res, 200, vault.verify(name, parts[2]!, json));
    if (parts.length === 3 && m === 'PATCH')
      return send(res, 200, vault.update(name, parts[2]!, json));
    if (parts.length === 2 && m === 'DELETE') return send(res, 200, vault.delete(name));
    if (parts.length <= 3 && m === 'GET')
      return send(res, 200, vault.get(name, parts[2] || undefined));
    return send(res, 405, {
      error: { code: 'BadParameter', message: `fake vault: ${m} ${url.pathname}` },
    });
  };

  const tlsServer = createHttpsServer({ cert: pki.certPem, key: pki.keyPem }, (req, res) => {
    const host = (req.headers.host ?? '').replace(/:443$/, '');
    const url = new URL(req.url ?? '/', `https://${host}`);
    res.on('finish', () =>
      requests.push({ host, method: req.method ?? '', path: url.pathname, status: res.statusCode }),
    );
    const vault = vaults.get(host);
    const route = vault
      ? vaultRoute(vault, req, res, url)
      : host === ENTRA_HOST || host === DISCOVERY_HOST
        ? entra(req, res, url)
        : Promise.resolve(send(res, 421, { error: `fake: not a fake host ${host}` }));
    route.catch((e: unknown) => {
      if (e instanceof VaultError)
        return send(res, e.status, { error: { code: e.code, message: e.message } });
      send(res, 500, { error: { code: 'InternalError', message: String(e) } });
    });
  });
  await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
  const tlsPort = (tlsServer.address() as AddressInfo).port;

  const proxy = createHttpServer((req, res) => {
    // A plain-HTTP request through the proxy (the managed identity probe of 169.254.169.254).
    // Answered like an unroutable address: the connection goes away without a response.
    refused.push(req.headers.host ?? req.url ?? '');
    res.destroy();
  });
  // Tunnelled sockets leave the HTTP server's bookkeeping, so close() ends them itself.
  const tunnels = new Set<{ destroy: () => void }>();
  proxy.on('connect', (req, socket, head) => {
    tunnels.add(socket);
    socket.on('close', () => tunnels.delete(socket));
    const [host, port] = (req.url ?? '').split(':');
    if (!host || port !== '443' || !hosts.includes(host)) {
      refused.push(req.url ?? '');
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = connect(tlsPort, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    socket.on('close', () => upstream.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  return {
    tenantId,
    clientId,
    clientSecret,
    caPem: pki.caPem,
    proxyUrl,
    requests,
    refused,
    vault(host) {
      const v = vaults.get(host);
      if (!v) throw new Error(`no fake vault ${host}`);
      return v;
    },
    env(caFile) {
      return {
        AZURE_TENANT_ID: tenantId,
        AZURE_CLIENT_ID: clientId,
        AZURE_CLIENT_SECRET: clientSecret,
        AZURE_AUTHORITY_HOST: `https://${ENTRA_HOST}`,
        HTTPS_PROXY: proxyUrl,
        NO_PROXY: '',
        NODE_EXTRA_CA_CERTS: caFile,
      };
    },
    async close() {
      for (const t of tunnels) t.destroy();
      tlsServer.closeAllConnections();
      proxy.closeAllConnections();
      await Promise.all([
        new Promise((r) => tlsServer.close(r)),
        new Promise((r) => proxy.close(r)),
      ]);
    },
  };
}
