/**
 * End to end through HTTPS with the real, unpatched auth0@7 SDK against an in-process emulator
 * seeded with the demo tenant: user search and reads, role users and organization members with
 * checkpoint pagination, member roles, an export job downloaded from its `location`, and an
 * import job with per-user errors.
 */
import { gunzipSync } from 'node:zlib';
import { ManagementClient } from 'auth0';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../server.js';

let emu: RunningEmulator;
let client: ManagementClient;

beforeAll(async () => {
  emu = await startEmulator({ seed: 'demo', jobLatencyMs: 100, importRate: 100_000 });
  client = new ManagementClient({ domain: emu.domain, clientId: emu.clientId, clientSecret: emu.clientSecret, maxRetries: 0 });
});
afterAll(async () => {
  await emu?.close();
});

/** Polls a job until it leaves pending/processing (the emulator's job latency is 100 ms). */
async function waitForJob(id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const job = (await client.jobs.get(id)) as unknown as Record<string, unknown>;
    if (job.status !== 'pending' && job.status !== 'processing') return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${id} did not finish`);
}

async function databaseConnection(): Promise<{ id: string; name: string }> {
  const page = await client.connections.list({ strategy: ['auth0'] });
  const conn = page.data.find((c) => c.name === 'Username-Password-Authentication') ?? page.data[0];
  if (!conn?.id || !conn.name) throw new Error('demo tenant has no database connection');
  return { id: conn.id, name: conn.name };
}

describe('auth0@7 SDK against the emulator (users side)', () => {
  it('lists, searches and reads users', async () => {
    const page = await client.users.list({ per_page: 5, include_totals: true });
    expect(page.data).toHaveLength(5);
    expect((page.response as { total: number }).total).toBeGreaterThanOrEqual(1000);
    const first = page.data[0]!;
    const found = await client.users.list({ q: `email:"${String(first.email)}"`, search_engine: 'v3' });
    expect(found.data.map((u) => u.user_id)).toContain(first.user_id);
    const one = await client.users.get(String(first.user_id));
    expect(one.email).toBe(first.email);
    await expect(client.users.list({ per_page: 1000 })).rejects.toMatchObject({
      statusCode: 400,
      body: {
        message: "Query validation error: 'Value 1000 is greater than maximum 100' on property per_page (Number of results per page. Defaults to 50).",
        errorCode: 'invalid_query_string',
      },
    });
    await expect(client.users.list({ page: 10, per_page: 100 })).rejects.toMatchObject({ statusCode: 400, body: { errorCode: 'invalid_paging' } });
  });

  it('assigns role users and organization members and pages them by checkpoint', async () => {
    const role = await client.roles.create({ name: 'sdk-role', description: 'created by the SDK test' });
    const org = await client.organizations.create({ name: 'sdk-org', display_name: 'SDK Org' });
    const conn = await databaseConnection();
    const created = [];
    for (let i = 0; i < 3; i++) {
      created.push(await client.users.create({ connection: conn.name, email: `sdk-${i}@example.com`, password: 'Passw0rd!x' }));
    }
    const ids = created.map((u) => String(u.user_id));
    await client.roles.users.assign(String(role.id), { users: ids });
    const roleUsers: string[] = [];
    for await (const u of await client.roles.users.list(String(role.id), { take: 7 })) roleUsers.push(String(u.user_id));
    expect(new Set(roleUsers).size).toBe(roleUsers.length);
    expect(roleUsers).toEqual(expect.arrayContaining(ids));

    await client.organizations.members.create(String(org.id), { members: ids });
    const members: string[] = [];
    for await (const m of await client.organizations.members.list(String(org.id), { take: 5 })) members.push(String(m.user_id));
    expect(members).toEqual(expect.arrayContaining(ids));
    await client.organizations.members.roles.assign(String(org.id), ids[0]!, { roles: [String(role.id)] });
    const memberRoles = await client.organizations.members.roles.list(String(org.id), ids[0]!);
    expect(memberRoles.data.map((r) => r.id)).toEqual([role.id]);
  });

  it('runs an export job and downloads gzip NDJSON from its location', async () => {
    const conn = await databaseConnection();
    const job = await client.jobs.usersExports.create({
      connection_id: conn.id,
      format: 'json',
      fields: [{ name: 'user_id' }, { name: 'email' }, { name: 'identities[0].connection', export_as: 'connection' }],
    });
    expect(job.id).toMatch(/^job_[A-Za-z0-9]{16}$/);
    const done = await waitForJob(String(job.id));
    expect(done.status).toBe('completed');
    const res = await fetch(String(done.location));
    expect(res.status).toBe(200);
    const lines = gunzipSync(Buffer.from(await res.arrayBuffer())).toString('utf8').trim().split('\n');
    const expected = await client.users.list({ q: `identities.connection:"${conn.name}"`, per_page: 1, include_totals: true });
    expect(lines).toHaveLength((expected.response as { total: number }).total);
    expect(Object.keys(JSON.parse(lines[0]!) as object)).toEqual(['user_id', 'email', 'connection']);
  });

  it('runs an import job with per-user errors readable through jobs.errors.get', async () => {
    const conn = await databaseConnection();
    const users = [{ email: 'imported-1@example.com', user_id: 'imp1' }, { email: 'bad-email' }];
    const job = await client.jobs.usersImports.create({
      users: new Blob([JSON.stringify(users)], { type: 'application/json' }),
      connection_id: conn.id,
      upsert: false,
      external_id: 'sdk-test',
      send_completion_email: false,
    });
    expect(job).toMatchObject({ type: 'users_import', status: 'pending', external_id: 'sdk-test' });
    const done = await waitForJob(String(job.id));
    expect(done).toMatchObject({ status: 'completed', summary: { inserted: 1, failed: 1, updated: 0, total: 2 } });
    const errors = (await client.jobs.errors.get(String(job.id))) as unknown as { errors: { code: string }[] }[];
    expect(errors.map((e) => e.errors[0]?.code)).toEqual(['FORMAT']);
    expect((await client.users.get('auth0|imp1')).email).toBe('imported-1@example.com');
  });
});
