/** Renders the topology as a Mermaid flowchart: services and actors as nodes, topics as edges' hubs. */
import { topics, type TopicSpec } from './topics.ts';

const nodeId = (s: string): string => s.replace(/[^a-zA-Z0-9]/g, '_');

export function renderMermaid(specs: readonly TopicSpec[] = Object.values(topics)): string {
  const lines = ['flowchart LR'];
  const actors = new Set<string>();
  for (const t of specs) {
    const shape =
      t.cleanupPolicy === 'compact'
        ? `[("${t.name}<br/>key ${t.key}, compacted")]`
        : `[["${t.name}<br/>key ${t.key}"]]`;
    lines.push(`  ${nodeId(t.name)}${shape}`);
    for (const p of t.producers) actors.add(p);
    for (const c of t.consumers) actors.add(c);
  }
  for (const a of [...actors].sort()) lines.push(`  ${nodeId(a)}(${a})`);
  for (const t of specs) {
    for (const p of t.producers) lines.push(`  ${nodeId(p)} --> ${nodeId(t.name)}`);
    for (const c of t.consumers) lines.push(`  ${nodeId(t.name)} --> ${nodeId(c)}`);
  }
  return lines.join('\n') + '\n';
}

const README_BEGIN = '<!-- topology:begin -->';
const README_END = '<!-- topology:end -->';

/** README.md with the current diagram between its topology markers. */
export function readmeWithDiagram(readme: string, diagram = renderMermaid()): string {
  const start = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start)
    throw new Error(`README.md lacks the ${README_BEGIN} … ${README_END} markers`);
  return `${readme.slice(0, start + README_BEGIN.length)}\n\`\`\`mermaid\n${diagram}\`\`\`\n${readme.slice(end)}`;
}
