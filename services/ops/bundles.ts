/**
 * The bundles table read once (compacted deploy.bundles.v1, latest value per id), oldest registration first.
 */
import type { Bundle } from '../../schemas/types.ts';
import { readTopic, type ReaderDeps } from './topic-reader.ts';

export async function readBundles(deps: ReaderDeps): Promise<Bundle[]> {
  const { records } = await readTopic(deps, 'bundles');
  const byId = new Map<string, Bundle>();
  for (const r of records) if (r.key === r.value.bundleId) byId.set(r.value.bundleId, r.value);
  return [...byId.values()].sort(
    (a, b) => a.registeredAt - b.registeredAt || (a.bundleId < b.bundleId ? -1 : 1),
  );
}
