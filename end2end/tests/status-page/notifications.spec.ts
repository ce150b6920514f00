import { test, expect } from '@playwright/test';
import { ADMIN_STATE, expectHydrated, failOnPageErrors, unique } from '../support';

test('updates are queued for followers and webhooks, and failures show in the delivery log', async ({ browser }) => {
  test.setTimeout(90_000);
  const context = await browser.newContext({ storageState: ADMIN_STATE });
  const admin = await context.newPage();
  const errors = failOnPageErrors(admin);

  // A webhook whose receiver is not there: its deliveries fail with the reason.
  const hookName = unique('Ops channel');
  await admin.goto('/settings/notifications');
  await expectHydrated(admin);
  const webhooks = admin.getByRole('region', { name: 'Webhooks' });
  await webhooks.locator('summary', { hasText: 'Add a webhook' }).click();
  await webhooks.getByLabel('Name').last().fill(hookName);
  await webhooks.getByLabel('URL').last().fill('http://127.0.0.1:9/hook');
  await webhooks.getByLabel('Format').last().selectOption('slack');
  await webhooks.getByRole('button', { name: 'Add webhook' }).click();
  await expect(webhooks.locator('.catalog-head').getByText(hookName, { exact: true })).toBeVisible();

  // Declare (which follows it), add an outside address, send an internal update.
  const title = unique('Queue backlog');
  await admin.goto('/incidents/declare');
  await expectHydrated(admin);
  await admin.getByLabel('Title').fill(title);
  await admin.getByLabel('Severity').selectOption({ index: 1 });
  await admin.getByRole('button', { name: 'Declare incident' }).click();
  await expect(admin).toHaveURL(/\/incidents\/\d+$/);
  await expectHydrated(admin);
  const updates = admin.getByRole('region', { name: 'Updates' });
  await updates.locator('summary', { hasText: 'Who is notified' }).click();
  // The declarer (and commander) follows the incident from the start.
  await expect(updates.getByRole('button', { name: 'Stop following' })).toBeVisible();
  const partner = `${unique('partner')}@example.org`;
  await updates.getByLabel('Add an email address').fill(partner);
  await updates.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(updates.getByText(partner)).toBeVisible();
  await expect(updates.getByText(hookName)).toBeVisible();

  await updates.locator('summary', { hasText: 'Write an update' }).click();
  await updates.getByLabel('Message').fill(unique('Consumers are catching up'));
  await updates.getByRole('button', { name: 'Send update' }).click();
  await expect(updates.locator('.update-entry')).toHaveCount(1);

  // The delivery log: email is not configured on this server and the webhook is unreachable.
  await admin.goto('/settings/notifications?status=pending');
  await expectHydrated(admin);
  const log = admin.getByRole('region', { name: 'Delivery log' });
  const partnerRow = log.locator('.delivery').filter({ hasText: partner });
  await expect(partnerRow.locator('.delivery-error')).toContainText('Email is not configured');
  const hookRow = log.locator('.delivery').filter({ hasText: 'http://127.0.0.1:9/hook' }).first();
  await expect(hookRow.locator('.delivery-error')).toContainText('HTTP');
  await partnerRow.getByRole('button', { name: /Retry now/ }).click();
  await expect(log.getByRole('link', { name: /^Pending/ })).toBeVisible();
  expect(errors).toEqual([]);
  await context.close();
});

test('a visitor asks for status updates by email without signing in', async ({ browser }) => {
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto('/status');
  const form = visitor.getByRole('region', { name: 'Get updates by email' });
  await form.getByLabel('Email address').fill(`${unique('fan')}@example.org`);
  await form.getByRole('button', { name: 'Subscribe' }).click();
  await expect(visitor.getByRole('heading', { level: 1, name: 'Check your inbox' })).toBeVisible();
  expect(await visitor.context().cookies()).toEqual([]);
});
