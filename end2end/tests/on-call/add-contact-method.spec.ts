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

test('a person sets notification rules: which method when, after being paged', async ({ page }) => {
  const errors = failOnPageErrors(page);
  await page.goto('/settings/profile');
  await expectHydrated(page);
  const card = page.getByRole('region', { name: 'Contact methods' });
  const rules = card.getByRole('region', { name: 'Notification rules' });
  const label = unique('Pager');
  await card.getByLabel('Kind').selectOption('webhook');
  await card.getByLabel('Label').fill(label);
  await card.getByLabel('Address or URL').fill('http://127.0.0.1:9/pager?text={message}');
  await card.getByRole('button', { name: 'Add contact method' }).click();
  await expect(card.locator('.cell-title', { hasText: label })).toBeVisible();

  // Without rules, every method at once.
  await expect(rules.getByText('No rules: a page goes to every contact method at once.')).toBeVisible();

  // A wait beyond four hours is refused beside the field, and the choice stays.
  const pager = `${label} (Webhook or SMS gateway)`;
  await rules.getByLabel('Send to').selectOption({ label: pager });
  await rules.getByLabel('Minutes after the page').fill('300');
  await rules.getByRole('button', { name: 'Add rule' }).click();
  await expect(rules.locator('.field-error', { hasText: 'from 0 (at once) to 240' })).toBeVisible();
  await rules.getByLabel('Minutes after the page').fill('5');
  await rules.getByRole('button', { name: 'Add rule' }).click();
  await expect(rules.getByRole('listitem').filter({ hasText: 'After 5 minutes' })).toContainText(`by ${pager}`);
  // The other methods aren't used for pages now, and the page says so.
  await expect(rules.getByRole('note').filter({ hasText: "Pages don't use" })).toContainText("Pages don't use Account email");
  // Nothing at once yet: the page says what that means.
  const late = rules.getByRole('note').filter({ hasText: 'Nothing reaches you for the first 5 minutes of a page' });
  await expect(late).toBeVisible();
  await rules.getByLabel('Send to').selectOption({ label: 'Account email (Email)' });
  await rules.getByLabel('Minutes after the page').fill('0');
  await rules.getByRole('button', { name: 'Add rule' }).click();
  await expect(rules.getByRole('listitem').first()).toContainText('Immediately');
  await expect(rules.getByRole('listitem').nth(1)).toContainText('After 5 minutes');
  await expect(late).toHaveCount(0);

  // Kept across a reload; removing asks first.
  await page.reload();
  await expectHydrated(page);
  const later = rules.getByRole('listitem').filter({ hasText: 'After 5 minutes' });
  await later.locator('summary', { hasText: 'Remove' }).click();
  await expect(later).toContainText(`Pages will no longer reach you after 5 minutes by ${pager}.`);
  await later.getByRole('button', { name: 'Remove rule' }).click();
  await expect(rules.getByRole('listitem').filter({ hasText: 'After 5 minutes' })).toHaveCount(0);
  await expect(rules.getByRole('listitem')).toHaveCount(1);
  // The last one goes too: back to every method at once (the other tests page this admin).
  await rules.getByRole('listitem').locator('summary', { hasText: 'Remove' }).click();
  await rules.getByRole('button', { name: 'Remove rule' }).click();
  await expect(rules.getByText('No rules: a page goes to every contact method at once.')).toBeVisible();
  expect(errors).toEqual([]);
});
