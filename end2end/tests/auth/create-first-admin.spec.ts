import { test, expect } from '@playwright/test';
import { ADMIN, ADMIN_STATE, expectHydrated, expectMainNavigation, failOnPageErrors, signIn } from '../support';

// Runs first, on a fresh database: the journey of the very first person to open Quell.
test('the first visitor creates the first admin, signs out and signs in again', async ({ page }) => {
  const errors = failOnPageErrors(page);
  await page.goto('/');
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole('heading', { name: 'Create the first administrator' })).toBeVisible();
  await expectHydrated(page);

  // A mistake is reported beside its field and nothing is created.
  await page.getByLabel('Email', { exact: true }).fill(ADMIN.email);
  await page.getByLabel('Name', { exact: true }).fill(ADMIN.name);
  await page.getByLabel('Time zone').selectOption('Europe/Paris');
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByLabel('Confirm password').fill('something else entirely');
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await expect(page.getByText("The passwords don't match.")).toBeVisible();
  await expect(page.getByLabel('Confirm password')).toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel('Confirm password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Welcome, ${ADMIN.name}` })).toBeVisible();
  await expectMainNavigation(page);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);

  await signIn(page, ADMIN.email, ADMIN.password);
  await expectMainNavigation(page);
  await page.context().storageState({ path: ADMIN_STATE });
  expect(errors).toEqual([]);
});

test('the setup page is gone once the first admin exists', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const response = await page.goto('/setup');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await context.close();
});
