/**
 * Simulated TPMs for users and tests: swtpm instances with RSA and ECC EKs and EK
 * certificates from a local test CA that lives in the caller's folder (never /var/lib).
 *
 * Folder layout (DIR is the caller's):
 *   DIR/ca/                         the local CA (root and issuing certificate, keys)
 *   DIR/swtpm_setup.conf, DIR/swtpm-localca.conf, DIR/swtpm-localca.options
 *   DIR/template/                   a manufactured TPM state, copied for `identity: 'template'`
 *   DIR/tpm-NNN/state/              one TPM's state (tpm2-00.permall)
 *   DIR/tpm-NNN/swtpm.sock[.ctrl]   its data and control sockets
 *   DIR/tpm-NNN/swtpm.pid, swtpm.log
 *
 * Instances started by a process are owned by it: they run under `setpriv --pdeathsig KILL`,
 * so they die with it even when it crashes. Daemons (`daemon: true`, for `ztp sim start`)
 * outlive the process and are stopped by `stopSimulators(DIR)` through their pid files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { openTpm, type Tpm, type TpmOptions } from '../tpm/tpm.ts';

export type SimIdentity = 'unique' | 'template';

export interface SimulatorOptions {
  /**
   * `unique` (default): each new TPM is manufactured by swtpm_setup (≈ 0.8 s) and has its
   * own EKs and certificates, like distinct chips. `template`: a copy of one manufactured
   * state (≈ 10 ms): every copy has the same EKs — fine for tests of one TPM at a time.
   */
  identity?: SimIdentity;
  /** Leave the swtpm processes running after this process exits (pid files in each folder). */
  daemon?: boolean;
  /** Serve on 127.0.0.1 TCP ports (name `swtpm:tcp://…`) instead of unix sockets. */
  tcp?: boolean;
}

/** The longest unix socket path Linux accepts, including the `.ctrl` suffix. */
const MAX_SOCKET_PATH = 107;

async function run(cmd: string, args: string[], what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        new Error(
          e.code === 'ENOENT'
            ? `${cmd} is not installed: run 'bash scripts/setup.sh' (Debian packages swtpm, swtpm-tools)`
            : `${what}: ${e.message}`,
        ),
      ),
    );
    child.on('close', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${what} failed (exit ${code}):\n${out.trim()}`)),
    );
  });
}

let setprivChecked: boolean | undefined;
async function haveSetpriv(): Promise<boolean> {
  if (setprivChecked === undefined) {
    setprivChecked = await run('setpriv', ['--help'], 'setpriv').then(
      (out) => out.includes('--pdeathsig'),
      () => false,
    );
  }
  return setprivChecked;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when `pid` is an swtpm serving the instance folder `dir` (guards against reused PIDs). */
async function isOurSwtpm(pid: number, dir: string): Promise<boolean> {
  try {
    const cmdline = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    return path.basename(cmdline[0] ?? '') === 'swtpm' && cmdline.some((a) => a.includes(dir));
  } catch {
    return false;
  }
}

async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

function canConnect(address: { path: string } | { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(address);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Two consecutive free TCP ports on 127.0.0.1 (data, control). */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    if (port >= 65535) continue;
    const nextFree = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port + 1, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (nextFree) return port;
  }
  throw new Error('no two consecutive free TCP ports on 127.0.0.1');
}

/** One simulated TPM: an swtpm process serving one state folder. */
export class SwtpmInstance {
  private child: ChildProcess | null = null;
  private pidValue = 0;
  private port = 0;

  constructor(
    /** The instance folder (holds state/, sockets, pid file and log). */
    readonly dir: string,
    private readonly options: SimulatorOptions,
  ) {}

  /** The folder with the TPM's persistent state: save it to keep this TPM. */
  get stateDir(): string {
    return path.join(this.dir, 'state');
  }
  get socketPath(): string {
    return path.join(this.dir, 'swtpm.sock');
  }
  get pidFile(): string {
    return path.join(this.dir, 'swtpm.pid');
  }
  get logFile(): string {
    return path.join(this.dir, 'swtpm.log');
  }
  get pid(): number {
    return this.pidValue;
  }
  /** The TPM's name for openTpm and the CLI's --tpm. */
  get name(): string {
    return this.options.tcp
      ? `swtpm:tcp://127.0.0.1:${this.port}`
      : `swtpm:unix:${this.socketPath}`;
  }
  get running(): boolean {
    return this.pidValue !== 0 && processAlive(this.pidValue);
  }

  openTpm(options?: TpmOptions): Promise<Tpm> {
    return openTpm(this.name, options);
  }

  /**
   * Starts swtpm on this folder's state and waits until it accepts connections. On TCP, a
   * port taken between choosing and binding it is retried with other ports.
   */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.startOnce();
      } catch (e) {
        if (!this.options.tcp || attempt >= 3) throw e;
      }
    }
  }

  private async startOnce(): Promise<void> {
    if (this.running) return;
    if (!this.options.tcp && this.socketPath.length + '.ctrl'.length > MAX_SOCKET_PATH) {
      throw new Error(
        `the socket path ${this.socketPath} is too long for a unix socket: use a shorter --dir`,
      );
    }
    await fs.rm(this.socketPath, { force: true });
    await fs.rm(this.socketPath + '.ctrl', { force: true });
    if (this.options.tcp) this.port = await freePortPair();
    const server = this.options.tcp
      ? [
          `type=tcp,port=${this.port},bindaddr=127.0.0.1`,
          `type=tcp,port=${this.port + 1},bindaddr=127.0.0.1`,
        ]
      : [`type=unixio,path=${this.socketPath}`, `type=unixio,path=${this.socketPath}.ctrl`];
    const args = [
      'socket',
      '--tpm2',
      '--tpmstate',
      `dir=${this.stateDir}`,
      '--server',
      server[0]!,
      '--ctrl',
      server[1]!,
      '--flags',
      'not-need-init,startup-clear',
      '--pid',
      `file=${this.pidFile}`,
      '--log',
      `file=${this.logFile}`,
    ];
    const owned = !this.options.daemon && (await haveSetpriv());
    const [cmd, argv] = owned
      ? ['setpriv', ['--pdeathsig', 'KILL', '--', 'swtpm', ...args]]
      : ['swtpm', args];
    const child = spawn(cmd, argv, {
      stdio: 'ignore',
      detached: Boolean(this.options.daemon),
    });
    let exited: string | null = null;
    child.on('exit', (code, signal) => {
      exited = `exit ${code ?? signal}`;
      if (this.child === child) this.child = null;
    });
    const spawnError = new Promise<never>((_, reject) =>
      child.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          new Error(
            e.code === 'ENOENT'
              ? `${cmd} is not installed: run 'bash scripts/setup.sh'`
              : `cannot start swtpm: ${e.message}`,
          ),
        ),
      ),
    );
    spawnError.catch(() => undefined);
    if (this.options.daemon) child.unref();
    else {
      // Belt and braces where setpriv is missing: a normal exit still takes swtpm along.
      const onExit = (): void => void child.kill('SIGKILL');
      process.once('exit', onExit);
      child.once('exit', () => process.off('exit', onExit));
    }
    this.child = child;
    this.pidValue = child.pid ?? 0;
    const address = this.options.tcp
      ? { host: '127.0.0.1', port: this.port }
      : { path: this.socketPath };
    try {
      await Promise.race([
        spawnError,
        waitFor(
          async () => {
            if (exited) {
              const log = await fs.readFile(this.logFile, 'utf8').catch(() => '');
              throw new Error(`swtpm stopped at start-up (${exited}): ${log.trim() || 'no log'}`);
            }
            return canConnect(address);
          },
          10_000,
          `swtpm in ${this.dir}`,
        ),
      ]);
    } catch (e) {
      child.kill('SIGKILL');
      this.pidValue = 0;
      throw e;
    }
    // swtpm serves one connection at a time; the readiness probe's connection is closed by now.
  }

  /** Stops this swtpm (SIGTERM, then SIGKILL after 5 s); the state folder stays. */
  async stop(): Promise<void> {
    const pid = this.pidValue;
    if (!pid) return;
    await stopPid(pid, this.dir);
    this.pidValue = 0;
    this.child = null;
    await fs.rm(this.pidFile, { force: true });
  }

  /** Restarts swtpm on the same state, as a power cycle would. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

async function stopPid(pid: number, dir: string): Promise<boolean> {
  if (!processAlive(pid) || !(await isOurSwtpm(pid, dir))) return false;
  process.kill(pid, 'SIGTERM');
  try {
    await waitFor(
      () => !processAlive(pid) || isOurSwtpm(pid, dir).then((x) => !x),
      5_000,
      `swtpm ${pid} to stop`,
    );
  } catch {
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !processAlive(pid), 2_000, `swtpm ${pid} to die`).catch(() => undefined);
  }
  return true;
}

/** A folder of simulated TPMs sharing one local CA. */
export class Simulator {
  readonly instances: SwtpmInstance[] = [];
  private templateReady: Promise<void> | null = null;

  private constructor(
    readonly dir: string,
    private readonly options: SimulatorOptions,
  ) {}

  /** The local CA's root certificate: EK certificate chains end here. */
  get caCertPath(): string {
    return path.join(this.dir, 'ca', 'swtpm-localca-rootca-cert.pem');
  }
  /** The CA certificate that signs the EK certificates (issued by the root). */
  get issuerCertPath(): string {
    return path.join(this.dir, 'ca', 'issuercert.pem');
  }

  /** Prepares DIR (configuration for swtpm_setup and the local CA); starts nothing. */
  static async create(dir: string, options: SimulatorOptions = {}): Promise<Simulator> {
    const abs = path.resolve(dir);
    await fs.mkdir(path.join(abs, 'ca'), { recursive: true });
    const sim = new Simulator(abs, options);
    await sim.writeConfig();
    return sim;
  }

  private async writeConfig(): Promise<void> {
    const ca = path.join(this.dir, 'ca');
    await fs.writeFile(
      path.join(this.dir, 'swtpm-localca.conf'),
      [
        `statedir = ${ca}`,
        `signingkey = ${ca}/signkey.pem`,
        `issuercert = ${ca}/issuercert.pem`,
        `certserial = ${ca}/certserial`,
        '',
      ].join('\n'),
    );
    await fs.writeFile(
      path.join(this.dir, 'swtpm-localca.options'),
      '--platform-manufacturer ZTP\n--platform-version 2.1\n--platform-model ztp-sim\n',
    );
    await fs.writeFile(
      path.join(this.dir, 'swtpm_setup.conf'),
      [
        'create_certs_tool = /usr/bin/swtpm_localca',
        `create_certs_tool_config = ${this.dir}/swtpm-localca.conf`,
        `create_certs_tool_options = ${this.dir}/swtpm-localca.options`,
        'active_pcr_banks = sha256',
        '',
      ].join('\n'),
    );
  }

  /** Runs swtpm_setup: RSA-2048 EK at 0x81010001, ECC P-384 EK at 0x81010016, their certificates. */
  private async manufacture(stateDir: string): Promise<void> {
    await fs.mkdir(stateDir, { recursive: true });
    await run(
      'swtpm_setup',
      [
        '--tpm2',
        '--tpmstate',
        stateDir,
        '--config',
        path.join(this.dir, 'swtpm_setup.conf'),
        '--create-ek-cert',
        '--create-platform-cert',
        '--ecc',
        '--overwrite',
      ],
      `swtpm_setup in ${stateDir}`,
    );
  }

  private template(): Promise<void> {
    this.templateReady ??= (async () => {
      const t = path.join(this.dir, 'template');
      if (existsSync(path.join(t, 'tpm2-00.permall'))) return;
      await fs.rm(t, { recursive: true, force: true });
      await this.manufacture(t + '.tmp');
      await fs.rename(t + '.tmp', t);
    })();
    return this.templateReady;
  }

  private async nextInstanceDir(): Promise<string> {
    const names = new Set(await fs.readdir(this.dir));
    for (let i = 0; ; i++) {
      const n = `tpm-${String(i).padStart(3, '0')}`;
      if (!names.has(n)) {
        try {
          await fs.mkdir(path.join(this.dir, n));
          return path.join(this.dir, n);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
      }
    }
  }

  /** A new TPM on a fresh state in a new folder (an operator loading the next chip), started. */
  async startFresh(): Promise<SwtpmInstance> {
    const dir = await this.nextInstanceDir();
    const instance = new SwtpmInstance(dir, this.options);
    if ((this.options.identity ?? 'unique') === 'template') {
      await this.template();
      await fs.cp(path.join(this.dir, 'template'), instance.stateDir, { recursive: true });
      await fs.rm(path.join(instance.stateDir, '.lock'), { force: true });
    } else {
      await this.manufacture(instance.stateDir);
    }
    await instance.start();
    this.instances.push(instance);
    return instance;
  }

  /**
   * Starts swtpm on an existing instance folder (one that holds state/), e.g. a TPM saved
   * earlier; the folder may be outside DIR.
   */
  async startOn(instanceDir: string): Promise<SwtpmInstance> {
    const dir = path.resolve(instanceDir);
    if (!existsSync(path.join(dir, 'state', 'tpm2-00.permall'))) {
      throw new Error(`${dir} holds no TPM state (state/tpm2-00.permall)`);
    }
    const instance = new SwtpmInstance(dir, this.options);
    await instance.start();
    this.instances.push(instance);
    return instance;
  }

  /** Starts `count` fresh TPMs, two manufactured at a time (the machine has two cores). */
  async startMany(count: number): Promise<SwtpmInstance[]> {
    const out: SwtpmInstance[] = [];
    if ((this.options.identity ?? 'unique') === 'template') await this.template();
    for (let i = 0; i < count; i += 2) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(2, count - i) }, () => this.startFresh()),
      );
      out.push(...batch);
    }
    return out;
  }

  /** Stops every instance this Simulator started. */
  async stopAll(): Promise<void> {
    await Promise.all(this.instances.map((i) => i.stop()));
  }
}

/** Starts `count` simulated TPMs in `dir`; see Simulator for the options. */
export async function startSimulators(
  dir: string,
  count: number,
  options: SimulatorOptions = {},
): Promise<Simulator> {
  const sim = await Simulator.create(dir, options);
  try {
    await sim.startMany(count);
  } catch (e) {
    await sim.stopAll();
    throw e;
  }
  return sim;
}

/**
 * Stops the swtpm daemons of DIR's instance folders by their pid files, checking that each
 * PID is still an swtpm serving that folder. Returns the folders whose swtpm was stopped.
 */
export async function stopSimulators(dir: string): Promise<string[]> {
  const abs = path.resolve(dir);
  const stopped: string[] = [];
  let entries: string[];
  try {
    entries = await fs.readdir(abs);
  } catch {
    return stopped;
  }
  for (const name of entries.filter((n) => /^tpm-\d+$/.test(n)).sort()) {
    const instanceDir = path.join(abs, name);
    const pidFile = path.join(instanceDir, 'swtpm.pid');
    const pid = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (await stopPid(pid, instanceDir)) stopped.push(instanceDir);
    await fs.rm(pidFile, { force: true });
  }
  return stopped;
}

/** The TPM names of DIR's instances whose swtpm is running (for `ztp sim status`). */
export async function listSimulators(
  dir: string,
): Promise<{ dir: string; name: string; pid: number }[]> {
  const abs = path.resolve(dir);
  const out: { dir: string; name: string; pid: number }[] = [];
  const entries = await fs.readdir(abs).catch(() => [] as string[]);
  for (const n of entries.filter((e) => /^tpm-\d+$/.test(e)).sort()) {
    const instanceDir = path.join(abs, n);
    const pid = Number(
      (await fs.readFile(path.join(instanceDir, 'swtpm.pid'), 'utf8').catch(() => '')).trim(),
    );
    if (!pid || !(await isOurSwtpm(pid, instanceDir))) continue;
    const cmdline = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    const tcp = cmdline.map((a) => /^type=tcp,port=(\d+)/.exec(a)).find(Boolean);
    out.push({
      dir: instanceDir,
      name: tcp
        ? `swtpm:tcp://127.0.0.1:${tcp[1]}`
        : `swtpm:unix:${path.join(instanceDir, 'swtpm.sock')}`,
      pid,
    });
  }
  return out;
}
