// Page objects for the dashboard: each knows its URL and how to read what a user sees.
import type { Locator, Page } from 'playwright-core';

export class FlowMapPage {
  constructor(readonly page: Page, readonly baseUrl: string) {}
  async open(query = 'range=15m') {
    await this.page.goto(`${this.baseUrl}/?${query}`);
    await this.page.getByTestId('flow-map').waitFor();
    await this.page.locator('[data-testid="flow-node"]').first().waitFor();
  }
  node(kind: string, label: string): Locator {
    return this.page.locator(`[data-testid="flow-node"][data-kind="${kind}"][data-label="${label}"]`);
  }
  async nodeLabels(kind: string): Promise<string[]> {
    return (await this.page.locator(`[data-testid="flow-node"][data-kind="${kind}"]`).evaluateAll((els) => els.map((e) => e.getAttribute('data-label') ?? ''))).sort();
  }
  deliverEdgeLabel(group: string): Locator {
    return this.page.locator(`[data-testid="flow-edge-label"][data-kind="deliver"][data-group="${group}"]`);
  }
  sidePanel(): Locator {
    return this.page.getByTestId('side-panel');
  }
}

export class RequestsPage {
  constructor(readonly page: Page, readonly baseUrl: string) {}
  rows(): Locator {
    return this.page.getByTestId('request-row');
  }
  row(traceId: string): Locator {
    return this.page.locator(`[data-testid="request-row"][data-trace-id="${traceId}"]`);
  }
  async openRequest(traceId: string) {
    await this.row(traceId).getByRole('link').first().click();
    await this.page.getByTestId('timeline').waitFor();
  }
}

export class TimelinePage {
  constructor(readonly page: Page, readonly baseUrl: string) {}
  async open(traceId: string) {
    await this.page.goto(`${this.baseUrl}/requests/${traceId}`);
    await this.page.getByTestId('timeline').waitFor();
  }
  spanRows(): Locator {
    return this.page.getByTestId('span-row');
  }
  async traceIdsShown(): Promise<string[]> {
    const ids = await this.spanRows().evaluateAll((els) => els.map((e) => e.getAttribute('data-trace-id') ?? ''));
    return [...new Set(ids)].sort();
  }
  row(spanId: string): Locator {
    return this.page.locator(`[data-testid="span-row"][data-span-id="${spanId}"]`);
  }
  detail(): Locator {
    return this.page.getByTestId('span-detail');
  }
}

export class LagPage {
  constructor(readonly page: Page, readonly baseUrl: string) {}
  async open(query = 'range=15m') {
    await this.page.goto(`${this.baseUrl}/lag?${query}`);
    await this.page.locator('h1', { hasText: 'Consumer lag' }).waitFor();
  }
  row(destination: string, group: string): Locator {
    return this.page.locator(`[data-testid="lag-row"][data-destination="${destination}"][data-group="${group}"]`);
  }
}

export class AnomaliesPage {
  constructor(readonly page: Page, readonly baseUrl: string) {}
  async open(query = 'range=15m') {
    await this.page.goto(`${this.baseUrl}/anomalies?${query}`);
    await this.page.locator('h1', { hasText: 'Anomalies' }).waitFor();
    // The tables stream in behind Suspense: until React swaps them in they sit in a hidden node,
    // where innerText has no line breaks. Wait until the list is on screen.
    await this.page.locator('[data-testid="duplicate-row"]').first().waitFor({ state: 'visible' });
  }
  duplicateRows(cls?: string): Locator {
    return this.page.locator(`[data-testid="duplicate-row"]${cls ? `[data-class="${cls}"]` : ''}`);
  }
}
