import { test, expect } from '@playwright/test';
import { ADMIN_STATE, expectHydrated, failOnPageErrors, unique } from '../support';

test.use({ storageState: ADMIN_STATE });

test('a person adds contact methods, sends a test and removes one', async ({ page }) => {
  const errors = failOnPageErrors(page);
  await page.goto('/settings/profile');
  await expectHydrated(page);
  const card = page.getByRole('region', { name: 'Contact methods' });

  // A gateway address that is not a URL is refused beside the field, and what was typed stays.
  const label = unique('Phone');
  await card.getByLabel('Kind').selectOption('webhook');
  await card.getByLabel('Label').fill(label);
  await card.getByLabel('Address or URL').fill('sms gateway');
  await card.getByRole('button', { name: 'Add contact method' }).click();
  await expect(card.locator('.field-error', { hasText: 'starting with https://' })).toBeVisible();
  await expect(card.getByLabel('Label')).toHaveValue(label);
  await card.getByLabel('Address or URL').fill('http://127.0.0.1:9/sms?text={message}');
  await card.getByRole('button', { name: 'Add contact method' }).click();
  await expect(card.locator('.cell-title', { hasText: label })).toBeVisible();
  await expect(card.getByLabel('Label')).toHaveValue('');

  const email = unique('Work email');
  const address = `${email.toLowerCase().replace(/ /g, '.')}@example.com`;
  await card.getByLabel('Kind').selectOption('email');
  await card.getByLabel('Label').fill(email);
  await card.getByLabel('Address or URL').fill(address);
  await card.getByRole('button', { name: 'Add contact method' }).click();
  await expect(card.locator('.cell-title', { hasText: email })).toBeVisible();

  await card.getByRole('button', { name: `Send a test to ${email}` }).click();
  await expect(card.getByRole('status').filter({ hasText: 'Test notification sent' })).toBeVisible();
  // It is in the delivery log (email is not configured on this test server, so it waits there).
  await page.goto('/settings/notifications');
  await expect(page.getByRole('region', { name: 'Delivery log' }).getByText(address).first()).toBeVisible();

  await page.goto('/settings/profile');
  await expectHydrated(page);
  await card.getByRole('button', { name: `Remove ${label}` }).click();
  await expect(card.locator('.cell-title', { hasText: label })).toHaveCount(0);
  await expect(card.locator('.cell-title', { hasText: email })).toBeVisible();
  expect(errors).toEqual([]);
});
