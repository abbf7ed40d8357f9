import { test, expect, type Page } from '@playwright/test';
import { TOWN, expectNoAxeViolations, waitForHydration, watchConsole } from './support';

async function pages(page: Page): Promise<string[]> {
  await page.goto('/practices');
  const first = await page.locator('#practice-results a').first().getAttribute('href');
  return ['/', '/practices', `/practices?q=${TOWN}`, first!, '/demonstration', '/no-such-page'];
}

test('axe-core finds no WCAG 2.2 A or AA violation on any page, hydrated', async ({ page }) => {
  const problems = watchConsole(page);
  for (const path of await pages(page)) {
    await page.goto(path);
    await waitForHydration(page);
    await expectNoAxeViolations(page);
  }
  expect(problems).toEqual([]);
});

// axe-core is itself a script, so a page with JavaScript switched off is
// checked as the server sent it: the app's own script is blocked, axe is
// injected by the test runner.
test('axe-core finds no WCAG 2.2 A or AA violation on any page as the server renders it', async ({ page }) => {
  await page.route('**/pkg/carebook.*.js', (route) => route.abort());
  for (const path of await pages(page)) {
    await page.goto(path);
    await expectNoAxeViolations(page);
    await expect(page.locator('html')).not.toHaveAttribute('data-hydrated', 'true');
  }
});

test.describe('on a 320 pixel wide phone', () => {
  test.use({ viewport: { width: 320, height: 640 } });

  test('no page scrolls sideways', async ({ page }) => {
    for (const path of await pages(page)) {
      await page.goto(path);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, path).toBeLessThanOrEqual(320);
    }
  });
});

test('the accessibility check does catch a violation (a control for the tests above)', async ({ page }) => {
  await page.setContent('<html lang="en"><body><main><img src="data:,"><button></button></main></body></html>');
  const { default: AxeBuilder } = await import('@axe-core/playwright');
  const results = await new AxeBuilder({ page }).withTags(['wcag2a']).analyze();
  const ids = results.violations.map((v) => v.id);
  expect(ids).toContain('image-alt');
  expect(ids).toContain('button-name');
});
