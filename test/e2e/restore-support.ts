/**
 * Helpers for the restore e2e tests: run the built CLI as a child we can stop or kill when a
 * progress event arrives, read a restore's journal objects from its state directory, and read
 * the users and memberships an emulator holds, with role, organization and user ids turned
 * into names/user_ids so two tenants can be compared.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { RunningEmulator } from '../emulator/server.js';
import { repoRoot, type CliResult } from './cli.js';

export type ProgressLine = Record<string, unknown> & { type?: string; phase?: string; message?: string };

export interface CliChild {
  child: ChildProcess;
  /** Resolves when the process exits: exit code (null when killed), the signal, all output. */
  done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

/** Starts the built CLI; `onEvent` sees every NDJSON progress event (`--progress json`) on stderr. */
export function startCli(args: string[], env: NodeJS.ProcessEnv, onEvent?: (e: ProgressLine, child: ChildProcess) => void): CliChild {
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/cli/main.js'), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  createInterface({ input: child.stderr as Readable }).on('line', (line) => {
    stderr += `${line}\n`;
    if (!onEvent || !line.startsWith('{')) return;
    let e: ProgressLine;
    try {
      e = JSON.parse(line) as ProgressLine;
    } catch {
      return;
    }
    onEvent(e, child);
  });
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Polls `check` every 100 ms until it returns true; rejects when the child ended first. */
export async function waitFor(check: () => boolean | Promise<boolean>, child: ChildProcess, what: string): Promise<void> {
  for (;;) {
    if (await check()) return;
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the CLI ended before ${what}`);
    await delay(100);
  }
}

export type JournalLine = Record<string, unknown> & { type: string };

/** Every journal object under a state directory (all restores), in sequence order per restore. */
export async function readJournal(stateDir: string): Promise<JournalLine[]> {
  let names: string[];
  try {
    names = (await readdir(stateDir, { recursive: true })).map(String);
  } catch {
    return [];
  }
  const files = names.filter((n) => /[/\\]journal[/\\]\d+\.json$/.test(n)).sort((a, b) => seqOf(a) - seqOf(b));
  const out: JournalLine[] = [];
  for (const f of files) {
    try {
      out.push(JSON.parse(await readFile(path.join(stateDir, f), 'utf8')) as JournalLine);
    } catch {
      // a put still being renamed into place: read it on the next poll
    }
  }
  return out;
}

function seqOf(name: string): number {
  return Number(/(\d+)\.json$/.exec(name)?.[1] ?? 0);
}

async function* ndjson(stream: Readable): AsyncGenerator<Record<string, unknown>> {
  for await (const line of createInterface({ input: stream })) if (line.trim() !== '') yield JSON.parse(line) as Record<string, unknown>;
}

export interface TenantUser {
  userId: string;
  email: string;
  connection: string;
  createdAt: string;
  updatedAt: string;
}

/** Every user of an emulator, straight from its store. */
export async function tenantUsers(emu: RunningEmulator): Promise<TenantUser[]> {
  const out: TenantUser[] = [];
  for await (const u of ndjson(emu.tenant.users.streamState())) {
    const identities = (u.identities ?? []) as { connection?: string; provider?: string }[];
    out.push({ userId: String(u.user_id), email: String(u.email ?? ''), connection: String(identities[0]?.connection ?? ''), createdAt: String(u.created_at), updatedAt: String(u.updated_at) });
  }
  return out;
}

/** Memberships of an emulator as name-based keys: `role-member <role> <user_id>`, … */
export async function tenantMemberships(emu: RunningEmulator): Promise<string[]> {
  const roleName = (id: unknown) => String(emu.store.get('roles', String(id))?.name ?? `?${String(id)}`);
  const orgName = (id: unknown) => String(emu.store.get('organizations', String(id))?.name ?? `?${String(id)}`);
  const out: string[] = [];
  for await (const m of ndjson(emu.tenant.users.streamMemberships())) {
    if (m.kind === 'role-member') out.push(`role-member ${roleName(m.role_id)} ${String(m.user_id)}`);
    else if (m.kind === 'org-member') out.push(`org-member ${orgName(m.org_id)} ${String(m.user_id)}`);
    else out.push(`org-member-role ${orgName(m.org_id)} ${roleName(m.role_id)} ${String(m.user_id)}`);
  }
  return out.sort();
}

/** Number of membership rows an emulator holds (cheap enough to poll). */
export async function membershipCount(emu: RunningEmulator): Promise<number> {
  let n = 0;
  for await (const _ of ndjson(emu.tenant.users.streamMemberships())) n++;
  return n;
}

/** Keys of duplicates in a list (each value that occurs more than once). */
export function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const v of values) (seen.has(v) ? twice : seen).add(v);
  return [...twice];
}

/**
 * A keyword-mappings file with a stand-in value for every masked secret (`##KEY##`) of the
 * snapshot's tenant.yaml, as an operator restoring into a new tenant supplies them.
 */
export async function standInSecrets(dir: string, manifestKey: string, out: string): Promise<string> {
  const { LocalBackend } = await import('../../src/storage/local.js');
  const { loadSnapshot } = await import('../../src/restore/snapshot-state.js');
  const snapshot = await loadSnapshot(new LocalBackend({ root: dir }), manifestKey, AbortSignal.timeout(120_000));
  try {
    const keywords = new Set([...(snapshot.configFiles.get('tenant.yaml') ?? '').matchAll(/##([A-Za-z0-9_]+)##/g)].map((m) => String(m[1])));
    await writeFile(out, JSON.stringify(Object.fromEntries([...keywords].map((k) => [k, `stand-in-${k.toLowerCase()}`]))));
    return out;
  } finally {
    snapshot.close();
  }
}
