// Validators for the exports (issue 13): Mermaid's own parser (it needs a DOM in Node: jsdom
// provides one) and the AsyncAPI parser (its errors, severity 0; warnings are style advice).
import { JSDOM } from 'jsdom';

let mermaid: Promise<{ parse(text: string): Promise<{ diagramType: string } | false> }> | undefined;

export async function parseMermaid(text: string): Promise<{ diagramType: string }> {
  mermaid ??= (async () => {
    const g = globalThis as Record<string, unknown>;
    if (!g.document) {
      const dom = new JSDOM('<!doctype html><html><body></body></html>');
      g.window = dom.window;
      g.document = dom.window.document;
    }
    return (await import('mermaid')).default;
  })();
  const result = await (await mermaid).parse(text);
  if (!result) throw new Error('mermaid: not a diagram');
  return result;
}

/** The AsyncAPI parser's errors for a document, as "path: message" lines ([] when it validates). */
export async function validateAsyncApi(doc: unknown): Promise<string[]> {
  const { Parser } = await import('@asyncapi/parser');
  const { diagnostics, document } = await new Parser().parse(JSON.stringify(doc));
  const errors = diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`);
  if (!document && errors.length === 0) errors.push('the parser returned no document');
  return errors;
}
