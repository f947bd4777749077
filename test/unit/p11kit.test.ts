import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  enabledFor,
  libraryModuleName,
  listRegisteredModules,
  parseModuleConfig,
} from '../../src/main/hsm/p11kit';

const root = mkdtempSync(join(tmpdir(), 'olocus-p11kit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function dir(...parts: string[]): string {
  const d = join(root, ...parts);
  mkdirSync(d, { recursive: true });
  return d;
}

function registration(d: string, name: string, text: string): void {
  writeFileSync(join(d, name), text);
}

describe('listRegisteredModules', () => {
  const packages = dir('usr/share/p11-kit/modules');
  const admin = dir('etc/pkcs11/modules');
  const user = dir('home/.config/pkcs11/modules');
  const libA = dir('usr/lib/x86_64-linux-gnu/pkcs11');
  const libB = dir('usr/lib64/pkcs11');
  writeFileSync(join(libB, 'vendor-pkcs11.so'), '');

  registration(
    packages,
    'softhsm2.module',
    '# SoftHSM\nmodule: /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so\n',
  );
  registration(packages, 'vendor.module', 'module: vendor-pkcs11.so\npriority: 3\n');
  registration(packages, 'missing.module', 'module: missing-pkcs11.so\n');
  registration(packages, 'old.module', 'module: /opt/old/libold.so\n');
  registration(packages, 'trust.module', 'module: p11-kit-trust.so\ndisable-in: p11-kit-proxy\n');
  registration(
    packages,
    'noisy.module',
    'module: /opt/noisy.so\ndisable-in: foo, olocus-ceremony\n',
  );
  registration(packages, 'picky.module', 'module: /opt/picky.so\nenable-in: firefox\n');
  registration(
    packages,
    'friendly.module',
    'module: /opt/friendly.so\nenable-in: olocus-ceremony\n',
  );
  registration(packages, 'nameless.module', '# no module line\ncritical: yes\n');
  registration(packages, 'README', 'module: /opt/not-a-registration.so\n');
  registration(admin, 'old.module', 'module: /opt/old/libold-admin.so\n');
  registration(user, 'old.module', 'module: /opt/old/libold-user.so\n');
  // The user turns a package's module off for this program only.
  registration(user, 'vendor-off.module', 'module: /opt/x.so\ndisable-in: olocus-ceremony\n');

  const dirs = {
    configDirs: [packages, admin, user, join(root, 'absent')],
    libraryDirs: [libA, libB],
  };

  it('reads registrations, resolves relative module names and skips disabled ones', async () => {
    const modules = await listRegisteredModules(dirs);
    expect(modules).toEqual([
      { name: 'friendly', path: '/opt/friendly.so' },
      // Relative and found nowhere: the first library dir still names it in the load error.
      { name: 'missing', path: join(libA, 'missing-pkcs11.so') },
      { name: 'old', path: '/opt/old/libold-user.so' },
      { name: 'softhsm2', path: '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so' },
      // disable-in for another program does not concern us.
      { name: 'trust', path: join(libA, 'p11-kit-trust.so') },
      // Relative: found in the second library dir.
      { name: 'vendor', path: join(libB, 'vendor-pkcs11.so') },
    ]);
  });

  it('lets the administrator override the package, and the user override both', async () => {
    const withoutUser = await listRegisteredModules({ ...dirs, configDirs: [packages, admin] });
    expect(withoutUser.find((m) => m.name === 'old')?.path).toBe('/opt/old/libold-admin.so');
  });

  it('lets a user file disable a package module by reusing its name', async () => {
    const off = dir('home2/.config/pkcs11/modules');
    registration(off, 'softhsm2.module', 'module: /x.so\nenable-in: seahorse\n');
    const modules = await listRegisteredModules({ ...dirs, configDirs: [packages, off] });
    expect(modules.map((m) => m.name)).not.toContain('softhsm2');
  });

  it('returns nothing when no directory exists', async () => {
    expect(await listRegisteredModules({ configDirs: [join(root, 'nowhere')] })).toEqual([]);
  });
});

describe('module config parsing', () => {
  it('reads key: value lines, ignoring comments and blank lines', () => {
    const c = parseModuleConfig('# c\n\nmodule:  lib.so \r\nx-init-reserved:\npriority: 1\n');
    expect([...c]).toEqual([
      ['module', 'lib.so'],
      ['x-init-reserved', ''],
      ['priority', '1'],
    ]);
  });

  it('applies enable-in and disable-in lists separated by commas or spaces', () => {
    expect(enabledFor(new Map([['enable-in', 'a, olocus-ceremony b']]))).toBe(true);
    expect(enabledFor(new Map([['enable-in', '']]))).toBe(false);
    expect(enabledFor(new Map([['disable-in', 'a olocus-ceremony']]))).toBe(false);
    expect(enabledFor(new Map([['disable-in', 'olocus']]))).toBe(true);
  });

  it('derives the RFC 7512 module-name from a library path', () => {
    expect(libraryModuleName('/usr/lib/softhsm/libsofthsm2.so')).toBe('softhsm2');
    expect(libraryModuleName('/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so')).toBe(
      'opensc-pkcs11',
    );
    expect(libraryModuleName('/usr/lib/libfoo.so.1.2')).toBe('foo');
    expect(libraryModuleName('C:\\SoftHSM2\\lib\\softhsm2-x64.dll')).toBe('softhsm2-x64');
  });
});
