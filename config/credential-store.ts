/**
 * The OS credential store (Windows Credential Manager, macOS Keychain, Linux Secret Service
 * or keyutils) through @napi-rs/keyring: service `pmh-bot`, account = the variable name.
 * The native module is loaded only when a config asks for the store, so a machine without
 * it runs fine from the environment or the secrets file.
 */
import { createRequire } from 'node:module';
import { pmhError } from '../core/errors.ts';

export const CREDENTIAL_SERVICE = 'pmh-bot';

export type LinuxStore = 'secret-service' | 'keyutils';

interface KeyringEntry {
  getPassword(): string | null;
  setPassword(password: string): void;
  deletePassword(): boolean;
}

interface KeyringModule {
  Entry: new (service: string, account: string, options?: { linux?: { store?: LinuxStore } }) => KeyringEntry;
}

let keyring: KeyringModule | null = null;

function loadKeyring(envName: string): KeyringModule {
  if (keyring) return keyring;
  try {
    keyring = createRequire(import.meta.url)('@napi-rs/keyring') as KeyringModule;
    return keyring;
  } catch (error) {
    throw pmhError('CredentialStoreUnavailable', { env: envName, detail: error instanceof Error ? error.message : String(error) });
  }
}

function entry(account: string, linuxStore: LinuxStore | undefined): KeyringEntry {
  const { Entry } = loadKeyring(account);
  return new Entry(CREDENTIAL_SERVICE, account, linuxStore ? { linux: { store: linuxStore } } : undefined);
}

/**
 * The value stored for `envName`, or null when the store has none. A store that cannot
 * be reached (locked, no session bus, access denied) is a critical error naming the
 * variable, never a crash.
 */
export function readCredential(envName: string, linuxStore?: LinuxStore): string | null {
  try {
    const value = entry(envName, linuxStore).getPassword();
    return value === null || value === '' ? null : value;
  } catch (error) {
    throw pmhError('CredentialStoreUnavailable', { env: envName, detail: error instanceof Error ? error.message : String(error) });
  }
}

/** Stores a value (used by setup scripts and tests; operators use the OS tools). */
export function writeCredential(envName: string, value: string, linuxStore?: LinuxStore): void {
  try {
    entry(envName, linuxStore).setPassword(value);
  } catch (error) {
    throw pmhError('CredentialStoreUnavailable', { env: envName, detail: error instanceof Error ? error.message : String(error) });
  }
}

export function deleteCredential(envName: string, linuxStore?: LinuxStore): void {
  try {
    entry(envName, linuxStore).deletePassword();
  } catch {
    // Nothing stored, or a store that cannot be reached: nothing to delete either way.
  }
}
