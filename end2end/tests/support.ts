import { expect, type Page, type ConsoleMessage } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

/** Collect console errors and uncaught exceptions: CSP violations, missing
 * assets and hydration failures all show up here. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    // A failed load is reported below with its address; a page that is
    // meant to be a 404 is not a problem.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      problems.push(`console: ${m.text()}`);
    }
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && r.request().resourceType() !== 'document') {
      problems.push(`${r.status()}: ${r.url()}`);
    }
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return problems;
}

/** Wait until the page has loaded and, when it has islands (the only parts
 * that ship WebAssembly), until they have hydrated. A page without an island
 * loads no script bundle at all. */
export async function waitForHydration(page: Page) {
  await page.waitForLoadState('load');
  if ((await page.locator('leptos-island').count()) > 0) {
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 20_000 });
  }
}

/** The islands' bundle, whatever its content hash: blocking it is
 * "JavaScript off" for the app. */
export const BUNDLE = '**/pkg/carebook.*.js';

/** The asset names of this build, read from a page's own links. */
export async function assetPaths(page: Page): Promise<{ css: string; js: string; wasm: string }> {
  const html = await (await page.request.get('/')).text();
  const css = /href="(\/pkg\/carebook\.[0-9a-f]+\.css)"/.exec(html)?.[1] ?? '';
  const js = /import\('(\/pkg\/carebook\.[0-9a-f]+\.js)'\)/.exec(html)?.[1] ?? '';
  const wasm = /module_or_path:'(\/pkg\/carebook\.[0-9a-f]+\.wasm)'/.exec(html)?.[1] ?? '';
  return { css, js, wasm };
}

/** WCAG 2.2 A and AA, as axe-core knows them. */
export async function expectNoAxeViolations(page: Page) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'])
    .analyze();
  const summary = results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
  expect(summary, summary.join('\n')).toEqual([]);
}

/** A town that has at least one practice in the demonstration. */
export const TOWN = 'Stevenage';
