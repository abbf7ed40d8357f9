import { test, expect } from '@playwright/test';

// The pages' contract as the server renders it: JavaScript off, so nothing
// here depends on hydration.
test.use({ javaScriptEnabled: false });

test('the home page says where it is for and links to the practice finder', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(
    'Your health and care in Hertfordshire and West Essex',
  );
  await expect(page.getByRole('link', { name: 'Find a GP practice or hub' })).toHaveAttribute('href', '/practices');
});

test('the practice finder is a plain GET form with a labelled search box', async ({ page }) => {
  await page.goto('/practices');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Find a GP practice or hub');

  const input = page.getByLabel('Practice name, town or postcode');
  await expect(input).toHaveAttribute('id', 'practice-search');
  await expect(input).toHaveAttribute('name', 'q');
  const form = page.locator('form:has(#practice-search)');
  expect((await form.getAttribute('method'))?.toLowerCase()).toBe('get');
  await expect(form.getByRole('button', { name: 'Search' })).toBeVisible();
});

test('every practice and hub is listed, each linking to its own page by ODS code', async ({ page }) => {
  await page.goto('/practices');
  const items = page.locator('ul#practice-results > li');
  const count = await items.count();
  expect(count).toBeGreaterThanOrEqual(17);
  for (let i = 0; i < count; i++) {
    await expect(items.nth(i).getByRole('link').first()).toHaveAttribute('href', /^\/practices\/[A-Z0-9]+$/);
  }
  const counter = page.locator('p#practice-count');
  await expect(counter).toHaveAttribute('aria-live', 'polite');
  await expect(counter).toHaveText(`${count} practices and hubs`);
});

test('the count speaks of one practice, and of none, in plain English', async ({ page }) => {
  await page.goto('/practices');
  const name = (await page.locator('#practice-results > li a').first().textContent())!.trim();

  await page.goto(`/practices?q=${encodeURIComponent(name)}`);
  await expect(page.locator('#practice-results > li')).toHaveCount(1);
  await expect(page.locator('#practice-count')).toHaveText('1 practice or hub');

  await page.goto('/practices?q=Atlantis');
  await expect(page.locator('#practice-results > li')).toHaveCount(0);
  await expect(page.locator('#practice-count')).toHaveText(/^No practices or hubs match/);
});

test('after a search without JavaScript, the search box still shows what was searched for', async ({ page }) => {
  await page.goto('/practices?q=Watford');
  await expect(page.getByLabel('Practice name, town or postcode')).toHaveValue('Watford');
});
