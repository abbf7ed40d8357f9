import { test, expect } from '@playwright/test';
import { watchConsole, waitForHydration } from './support';

test('the home page is rendered on the server, before any script runs', async ({ request }) => {
  const response = await request.get('/');
  expect(response.status()).toBe(200);
  const html = await response.text();
  expect(html).toContain('Your health and care in Hertfordshire and West Essex');
  expect(html).toContain('id="maincontent"');
});

test('every page has the skip link first, the header, the footer and the demonstration banner', async ({ page }) => {
  for (const path of ['/', '/practices', '/demonstration', '/no-such-page']) {
    await page.goto(path);
    await page.keyboard.press('Tab');
    const focused = page.locator(':focus');
    await expect(focused).toHaveText('Skip to main content');
    await expect(focused).toHaveAttribute('href', '#maincontent');
    await expect(page.locator('header.nhsuk-header')).toContainText('carebook');
    await expect(page.locator('footer.nhsuk-footer')).toBeVisible();
    await expect(page.locator('main#maincontent')).toBeVisible();
    await expect(page.getByRole('region', { name: 'Demonstration' })).toContainText('invented');
    await expect(page.getByRole('region', { name: 'Demonstration' })).toContainText(/demonstration/i);
  }
});

test('the home page hydrates without a console error, CSP violation or missing asset', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/');
  await waitForHydration(page);
  await page.getByRole('link', { name: 'Find a GP practice or hub' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Find a GP practice or hub');
  expect(problems).toEqual([]);
});
