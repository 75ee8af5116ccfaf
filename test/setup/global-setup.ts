/**
 * Runs once before any test worker starts. Workers inherit process.env, so anything that must
 * be in the environment at process start (NODE_EXTRA_CA_CERTS for the tenant emulator's CA)
 * is prepared here: the CA is created once (race-safe) and kept in <repo>/.cache/emulator-ca.
 */
import { ensureEmulatorCa } from '../emulator/tls.js';

export default async function setup(): Promise<void> {
  const ca = await ensureEmulatorCa();
  process.env.NODE_EXTRA_CA_CERTS = ca.caFile;
}
