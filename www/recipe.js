// A recipe applied to a location, as the tester and the app page both do it.
import { mergeSyncRules } from "./pkg/ghl_bridge_web.js";

/**
 * `client` (a BridgeClient for the location): `mapping` (the recipe's, or as
 * edited in the tester) for the recipe's source, then the recipe's sync rules
 * merged into the location's own (the core merges). Answers the rules saved,
 * or `null` when the recipe has none.
 */
export async function applyRecipe(client, recipe, mapping = recipe.mapping) {
  await client.putMapping(recipe.sourceId, mapping);
  if (!recipe.syncRules) return null;
  const { rules: own } = await client.getSyncRules();
  const merged = mergeSyncRules(own, recipe.syncRules);
  await client.putSyncRules(merged);
  return merged;
}
