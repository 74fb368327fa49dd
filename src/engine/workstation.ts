import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Keyring, type KeyringHeader } from '../store/keyring.ts';
import { Store, type Role } from '../store/store.ts';

/** The default data folder, per OS convention. */
export function defaultDataDir(): string {
  if (process.env.ZTP_DATA_DIR) return process.env.ZTP_DATA_DIR;
  if (process.platform === 'win32') {
    return path.join(
      process.env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'),
      'ZTP Workstation',
    );
  }
  if (process.platform === 'darwin') {
    return path.join(os.homedir(), 'Library', 'Application Support', 'ZTP Workstation');
  }
  const xdg = process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(xdg, 'ztp-workstation');
}

export class NotInitializedError extends Error {
  constructor(dataDir: string) {
    super(
      `The workstation in ${dataDir} is not set up yet. Run 'ztp init --operator NAME' first ` +
        '(or pass --data-dir to use another folder).',
    );
    this.name = 'NotInitializedError';
  }
}

export class PermissionError extends Error {
  constructor(operator: string, action: string, needed: Role[]) {
    super(
      `Operator '${operator}' may not ${action}: that needs the role ${needed.join(' or ')}. ` +
        'Ask a supervisor to do it, or to give you that role.',
    );
    this.name = 'PermissionError';
  }
}

/**
 * The workstation: its store and, once unlocked, its keyring. Domain code of every kind (CLI,
 * desktop app, tests) opens it the same way.
 */
export class Workstation {
  readonly store: Store;
  readonly dataDir: string;
  #keyring: Keyring | undefined;

  private constructor(store: Store, dataDir: string) {
    this.store = store;
    this.dataDir = dataDir;
  }

  static open(dataDir = defaultDataDir()): Workstation {
    return new Workstation(Store.open(dataDir), dataDir);
  }

  get initialized(): boolean {
    return this.store.getKeyringHeader() !== undefined;
  }

  /** This workstation's stable id (recorded in manifests). */
  get stationId(): string {
    const id = this.store.getSetting('station_id');
    if (!id) throw new NotInitializedError(this.dataDir);
    return id;
  }

  /**
   * First-run set-up: the passphrase's keyring, the station id and the first supervisor.
   * Refuses to run twice.
   */
  async init(
    passphrase: string,
    supervisor: string,
    kdf?: { N: number; r: number; p: number },
  ): Promise<void> {
    if (this.initialized) {
      throw new Error(`The workstation in ${this.dataDir} is already set up.`);
    }
    checkOperatorName(supervisor);
    const { keyring, header } = await Keyring.create(passphrase, kdf);
    this.store.transaction(() => {
      this.store.setKeyringHeader(header);
      this.store.setSetting('station_id', randomUUID());
      this.store.upsertOperator(supervisor, 'supervisor');
      this.store.audit({ actor: supervisor, action: 'workstation.init', details: {} });
    });
    this.#keyring = keyring;
  }

  /** Opens the keyring; a wrong passphrase throws WrongPassphraseError and is audited. */
  async unlock(passphrase: string): Promise<void> {
    const header: KeyringHeader | undefined = this.store.getKeyringHeader();
    if (!header) throw new NotInitializedError(this.dataDir);
    try {
      this.#keyring = await Keyring.unlock(header, passphrase);
    } catch (e) {
      this.store.audit({ actor: 'unknown', action: 'workstation.unlock-failed', details: {} });
      throw e;
    }
  }

  get unlocked(): boolean {
    return this.#keyring !== undefined && !this.#keyring.locked;
  }

  get keyring(): Keyring {
    if (!this.#keyring || this.#keyring.locked) {
      throw new Error('The workstation is locked: unlock it with the workstation passphrase.');
    }
    return this.#keyring;
  }

  /** Checks that `operator` exists and has one of `roles`; returns the role. */
  requireRole(operator: string, action: string, roles: Role[]): Role {
    if (!this.initialized) throw new NotInitializedError(this.dataDir);
    const op = this.store.getOperator(operator);
    if (!op) {
      throw new Error(
        `Unknown operator '${operator}'. A supervisor adds operators with 'ztp operator add'.`,
      );
    }
    if (!roles.includes(op.role)) throw new PermissionError(operator, action, roles);
    return op.role;
  }

  addOperator(by: string, name: string, role: Role): void {
    this.requireRole(by, 'manage operators', ['supervisor']);
    checkOperatorName(name);
    this.store.transaction(() => {
      this.store.upsertOperator(name, role);
      this.store.audit({ actor: by, action: 'operator.set', details: { name, role } });
    });
  }

  lock(): void {
    this.#keyring?.lock();
    this.#keyring = undefined;
  }

  close(): void {
    this.lock();
    this.store.close();
  }
}

export function checkOperatorName(name: string): void {
  if (!/^[\p{L}\p{N}][\p{L}\p{N} ._@-]{0,63}$/u.test(name)) {
    throw new Error(
      `'${name}' is not a usable operator name: use 1–64 letters, digits, spaces, '.', '_', '@' or '-'.`,
    );
  }
}
