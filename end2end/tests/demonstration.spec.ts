import { test, expect } from '@playwright/test';
import { waitForHydration } from './support';

test('a volunteer can reset the demonstration with JavaScript on', async ({ page }) => {
  await page.goto('/demonstration');
  await waitForHydration(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('About this demonstration');
  await expect(page.getByRole('table').first()).toContainText('999 000 0018');
  await page.getByRole('button', { name: 'Reset the demonstration' }).click();
  await expect(page.getByRole('status')).toContainText('has been reset');
});

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('a volunteer can reset the demonstration', async ({ page }) => {
    await page.goto('/demonstration');
    await page.getByRole('button', { name: 'Reset the demonstration' }).click();
    await expect(page).toHaveURL(/\/demonstration\?reset=done$/);
    await expect(page.getByRole('status')).toContainText('has been reset');
  });
});
