import { test, expect } from '@playwright/test';
import { ADMIN, expectMainNavigation } from '../support';

// The same sign-in journey with JavaScript disabled: the server-rendered forms must work alone.
test.use({ javaScriptEnabled: false });

test('signing in and out works without JavaScript', async ({ page }) => {
  await page.goto('/settings/profile');
  await expect(page).toHaveURL(/\/login\?next=/);

  await page.getByLabel('Email', { exact: true }).fill(ADMIN.email);
  await page.getByLabel('Password', { exact: true }).fill('not the right password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('The email or password is incorrect.')).toBeVisible();
  await expect(page.getByLabel('Password', { exact: true })).toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel('Email', { exact: true }).fill(ADMIN.email);
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Back to the page that asked for sign-in.
  await expect(page).toHaveURL(/\/settings\/profile$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Your profile' })).toBeVisible();
  await expectMainNavigation(page);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login\?next=/);
});
