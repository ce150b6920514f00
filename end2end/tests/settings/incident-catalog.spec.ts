import { test, expect } from '@playwright/test';
import { ADMIN_STATE, expectHydrated, failOnPageErrors, unique } from '../support';

test('an admin sets up severities, roles and incident types before incidents happen', async ({ browser }) => {
  const context = await browser.newContext({ storageState: ADMIN_STATE });
  const page = await context.newPage();
  const errors = failOnPageErrors(page);

  // Severities: seeded SEV1–SEV4; a new one goes to the bottom and can move up.
  await page.goto('/settings/severities');
  await expectHydrated(page);
  for (const name of ['SEV1', 'SEV2', 'SEV3', 'SEV4']) {
    await expect(page.locator('.catalog-head').getByText(name, { exact: true })).toBeVisible();
  }
  const severity = unique('SEV-X');
  const addSeverity = page.getByRole('region', { name: 'Add a severity' });
  await addSeverity.getByLabel('Name').fill(severity);
  await addSeverity.getByLabel('When to use it').fill('Practice only');
  await addSeverity.getByRole('button', { name: 'Add severity' }).click();
  const items = page.locator('.catalog-list > li');
  await expect(items.last()).toContainText(severity);
  await page.getByRole('button', { name: `Move up ${severity}` }).click();
  await expect(items.nth(-2)).toContainText(severity);

  // A name already taken is reported beside the field, and nothing else is lost.
  await addSeverity.getByLabel('Name').fill('sev1');
  await addSeverity.getByLabel('When to use it').fill('Duplicate');
  await addSeverity.getByRole('button', { name: 'Add severity' }).click();
  await expect(addSeverity.getByText('There is already a severity with that name.')).toBeVisible();

  // Roles: the seeded four, then a custom role with a checklist, then retired.
  await page.goto('/settings/role-types');
  await expectHydrated(page);
  await expect(page.locator('.catalog-head').getByText('Incident Commander', { exact: true })).toBeVisible();
  const role = unique('Customer Liaison');
  const addRole = page.getByRole('region', { name: 'Add a role' });
  await addRole.getByLabel('Name').fill(role);
  await addRole.getByLabel('Responsibilities').fill('Keeps key accounts informed.');
  await addRole.getByLabel('Checklist').fill('Call the account managers\nPost in the customer channel');
  await addRole.getByRole('button', { name: 'Add role' }).click();
  const item = page.getByRole('listitem').filter({ hasText: role });
  await expect(item.locator('.checklist-preview').getByText('Post in the customer channel')).toBeVisible();
  await item.getByText(`Edit ${role}`).click();
  await item.getByLabel('Retired (can no longer be assigned)').check();
  await item.getByRole('button', { name: 'Save role' }).click();
  await expect(page.getByRole('listitem').filter({ hasText: role }).getByText('Retired', { exact: true })).toBeVisible();

  // Incident types with a default severity.
  await page.goto('/settings/incident-types');
  await expectHydrated(page);
  const kind = unique('Security');
  const addType = page.getByRole('region', { name: 'Add an incident type' });
  await addType.getByLabel('Name').fill(kind);
  await addType.getByLabel('Default severity').selectOption({ label: 'SEV2' });
  await addType.getByRole('button', { name: 'Add type' }).click();
  await expect(page.getByRole('listitem').filter({ hasText: kind }).getByText('Default severity: SEV2')).toBeVisible();

  // Declaring with that type and no severity takes the type's default.
  await page.goto('/incidents/declare');
  await expectHydrated(page);
  const title = unique('Leaked credentials');
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Type').selectOption({ label: `${kind} (default SEV2)` });
  await page.getByRole('button', { name: 'Declare incident' }).click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expect(page.getByLabel('Status and severity').getByText('SEV2', { exact: true })).toBeVisible();
  await expect(page.getByLabel('Status and severity').getByText(kind, { exact: true })).toBeVisible();

  expect(errors).toEqual([]);
  await context.close();
});
