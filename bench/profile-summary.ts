/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by file, top N.
 *
 *   npx tsx bench/profile-summary.ts bench/out/prof/CPU.*.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Node {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' } },
});
const top = Number(values.top);
for (const path of positionals) {
  const p = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const short = url.replace(/^.*\/work\/main\//, '').replace(/^file:\/\//, '');
    const f = `${functionName || '(anon)'} ${short}:${lineNumber + 1}`;
    fn.set(f, (fn.get(f) ?? 0) + us);
    const key = short.includes('node_modules/')
      ? short.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+).*$/, '$1')
      : short || functionName;
    file.set(key, (file.get(key) ?? 0) + us);
  }
  const show = (title: string, m: Map<string, number>): void => {
    console.log(`\n${title} (${path}, ${(total / 1e6).toFixed(1)} s sampled)`);
    for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
      console.log(`${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`);
  };
  show('self time by file/package', file);
  show('self time by function', fn);
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const name = byId.get(cur)!.callFrame.functionName;
      if (name && !seen.has(name)) {
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + us);
      }
    }
  }
  show('inclusive time by function name', inclusive);
}
