// Sandbox locations for the benchmarks, each set up through the admin API as an
// agency would: a private-integration token and a form source of its own.
import { admin, sandbox } from "../tests/e2e/support.mjs";

/** Locations `${prefix}-01`.. (`count` of them); answers `{id, source, secret}` each. */
export async function addLocations(stack, count, prefix = "load") {
  const locations = [];
  for (let i = 1; i <= count; i++) {
    const id = `${prefix}-${String(i).padStart(2, "0")}`;
    const name = `${prefix[0].toUpperCase()}${prefix.slice(1)} ${i}`;
    const token = `sbx-pit-${id}`;
    await sandbox(stack, `/__sandbox/ghl/locations/${id}`, { name, token });
    const set = await admin(stack, `/locations/${id}`, { method: "PUT", body: JSON.stringify({ name, ghlToken: token, phoneRegion: "FR" }) });
    if (set.status !== 200) throw new Error(`location ${id}: ${JSON.stringify(set.body)}`);
    const source = await admin(stack, `/locations/${id}/sources/form-${id}`, { method: "PUT", body: JSON.stringify({ kind: "form" }) });
    if (source.status !== 200) throw new Error(`source of ${id}: ${JSON.stringify(source.body)}`);
    locations.push({ id, source: `form-${id}`, secret: source.body.signingSecret });
  }
  return locations;
}
