import { test, expect } from '@playwright/test';
import { ADMIN_STATE, addService, declareIncident, unique } from '../support';

test('notes are added, pinned and corrected without JavaScript', async ({ browser }) => {
  // Declared with JavaScript (the helper); everything after is a plain page.
  const withScript = await browser.newContext({ storageState: ADMIN_STATE });
  const setup = await withScript.newPage();
  const service = unique('Search');
  await addService(setup, service);
  await declareIncident(setup, unique('Search timeouts'), service);
  const incidentUrl = setup.url();
  await withScript.close();

  const context = await browser.newContext({ storageState: ADMIN_STATE, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(incidentUrl);
  const note = `Index shard 3 answers slowly ${unique('n')}`;
  await page.getByLabel('Note', { exact: true }).fill(note);
  await page.getByRole('button', { name: 'Add note' }).click();
  const entry = page.getByRole('listitem').filter({ hasText: note });
  await expect(entry).toBeVisible();

  // Pin and Unpin submit the timeline's shared forms, naming their entry.
  await entry.getByRole('button', { name: /^Pin entry/ }).click();
  await expect(entry.getByText('Pinned', { exact: true })).toBeVisible();
  await entry.getByRole('button', { name: /^Unpin entry/ }).click();
  await expect(entry.getByText('Pinned', { exact: true })).toHaveCount(0);
  await expect(entry.getByRole('button', { name: /^Pin entry/ })).toBeVisible();

  // "Edit note" opens the form for this note only; saving closes it.
  await expect(page.getByRole('form', { name: 'Edit note' })).toHaveCount(0);
  await entry.getByRole('link', { name: /^Edit note entry/ }).click();
  await expect(page).toHaveURL(/\?edit=\d+#entry-\d+$/);
  await expect(page.getByRole('form', { name: 'Edit note' })).toHaveCount(1);
  await page.getByLabel('Note text').fill(`${note}, on the replica only`);
  await page.getByRole('button', { name: 'Save note' }).click();
  await expect(page).toHaveURL(/\/incidents\/\d+#entry-\d+$/);
  await expect(page.getByRole('form', { name: 'Edit note' })).toHaveCount(0);
  await expect(entry.locator('.entry-body')).toHaveText(`${note}, on the replica only`);
  await expect(entry.getByText(/^Edited /)).toBeVisible();

  // Cancel leaves the note as it was.
  await entry.getByRole('link', { name: /^Edit note entry/ }).click();
  await page.getByLabel('Note text').fill('discarded');
  await page.getByRole('link', { name: 'Cancel' }).click();
  await expect(page.getByRole('form', { name: 'Edit note' })).toHaveCount(0);
  await expect(entry.locator('.entry-body')).toHaveText(`${note}, on the replica only`);
  await context.close();
});
