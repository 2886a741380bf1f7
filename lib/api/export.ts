// GET /api/export/mermaid and /api/export/asyncapi?from&to&env&namespace — the flow map of the range
// as Mermaid flowchart source and as an AsyncAPI 3.0 document (lib/analysis/export.ts), answered as
// attachments to download.
import { toAsyncApi, toMermaid, type ExportInput } from '../analysis/export.js';
import { patternRows } from '../analysis/patterns-query.js';
import { buildPatterns } from '../analysis/patterns.js';
import { callEdges } from '../analysis/topology.js';
import { depsOf, type ApiDeps, type ApiResult, type Handler } from './http.js';
import { parsePatternsInput, type PatternsInput } from './patterns.js';

export async function getExportInput({ store }: ApiDeps, input: PatternsInput): Promise<ExportInput> {
  const [rows, calls] = await Promise.all([patternRows(store, input), callEdges(store, input)]);
  return {
    rows,
    patterns: buildPatterns(rows),
    calls,
    range: { from: new Date(input.fromMs).toISOString(), to: new Date(input.toMs).toISOString() },
  };
}

/** The file name of an export: the range's start, to the minute, in UTC. */
export function exportFileName(input: PatternsInput, ext: string): string {
  const at = new Date(input.fromMs).toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  return `eventscope-flow-${at}.${ext}`;
}

function attachment(text: string, contentType: string, file: string): ApiResult {
  return { status: 200, body: text, headers: { 'content-type': contentType, 'content-disposition': `attachment; filename="${file}"` } };
}

export async function getMermaid(deps: ApiDeps, input: PatternsInput): Promise<string> {
  return toMermaid(await getExportInput(deps, input));
}

export async function getAsyncApi(deps: ApiDeps, input: PatternsInput): Promise<Record<string, unknown>> {
  return toAsyncApi(await getExportInput(deps, input));
}

export const mermaidHandler: Handler = async (ctx) => {
  const input = parsePatternsInput(ctx.url, ctx.now);
  return attachment(await getMermaid(depsOf(ctx), input), 'text/vnd.mermaid; charset=utf-8', exportFileName(input, 'mmd'));
};

export const asyncApiHandler: Handler = async (ctx) => {
  const input = parsePatternsInput(ctx.url, ctx.now);
  const doc = await getAsyncApi(depsOf(ctx), input);
  return attachment(`${JSON.stringify(doc, null, 2)}\n`, 'application/json; charset=utf-8', exportFileName(input, 'asyncapi.json'));
};
