import { test, expect } from '@playwright/test';
import { TOWN, watchConsole, waitForHydration } from './support';

test.describe('with JavaScript on', () => {
  test('the practice list narrows as you type, without loading a new page', async ({ page }) => {
    const problems = watchConsole(page);
    await page.goto('/practices');
    await waitForHydration(page);
    const results = page.locator('#practice-results > li');
    const before = await results.count();
    const countBefore = await page.locator('#practice-count').textContent();
    expect(before).toBeGreaterThan(15);
    await page.evaluate(() => ((window as any).__stillHere = true));

    await page.locator('#practice-search').pressSequentially(TOWN, { delay: 20 });

    await expect.poll(() => results.count()).toBeLessThan(before);
    await expect(results.first()).toContainText(TOWN);
    await expect(page.locator('#practice-count')).toHaveText(/\d+ practices? (and|or) hubs?/);
    await expect(page.locator('#practice-count')).not.toHaveText(countBefore!);
    expect(await page.evaluate(() => (window as any).__stillHere)).toBe(true);
    expect(problems).toEqual([]);
  });

  test('a search for something that is not there says so', async ({ page }) => {
    await page.goto('/practices');
    await waitForHydration(page);
    await page.locator('#practice-search').fill('Atlantis');
    await expect(page.locator('#practice-count')).toHaveText('No practices or hubs match “Atlantis”');
    await expect(page.locator('#practice-results > li')).toHaveCount(0);
  });
});

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('the search form is answered by the server and a practice page opens', async ({ page }) => {
    await page.goto('/practices');
    const all = await page.locator('#practice-results > li').count();
    expect(all).toBeGreaterThan(15);

    await page.getByLabel('Practice name, town or postcode').fill(TOWN);
    await page.getByRole('button', { name: 'Search' }).click();

    await expect(page).toHaveURL(new RegExp(`/practices\\?q=${TOWN}`));
    const narrowed = page.locator('#practice-results > li');
    expect(await narrowed.count()).toBeLessThan(all);
    await expect(narrowed.first()).toContainText(TOWN);
    const name = (await narrowed.first().getByRole('link').textContent())!.trim();
    await narrowed.first().getByRole('link').click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
    await expect(page.getByText('Address')).toBeVisible();
  });
});

test('an unknown page and an unknown practice answer 404 with the NHS page', async ({ page }) => {
  for (const path of ['/no-such-page', '/practices/ZZ99999']) {
    const response = await page.goto(path);
    expect(response!.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
  }
});
