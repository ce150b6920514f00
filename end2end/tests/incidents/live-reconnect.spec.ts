import { test, expect } from '@playwright/test';
import { ADMIN_STATE, expectHydrated, failOnPageErrors, unique } from '../support';

test('a page that lost its connection catches up once it is back, without duplicates', async ({ browser }) => {
  test.setTimeout(60_000);
  const context = await browser.newContext({ storageState: ADMIN_STATE });
  const writer = await context.newPage();
  const title = unique('Flaky network');
  await writer.goto('/incidents/declare');
  await expectHydrated(writer);
  await writer.getByLabel('Title').fill(title);
  await writer.getByLabel('Severity').selectOption({ index: 2 });
  await writer.getByRole('button', { name: 'Declare incident' }).click();
  await expect(writer).toHaveURL(/\/incidents\/\d+$/);
  const url = writer.url();

  const readerContext = await browser.newContext({ storageState: ADMIN_STATE });
  const reader = await readerContext.newPage();
  const errors = failOnPageErrors(reader);
  await reader.goto(url);
  await expectHydrated(reader);
  await reader.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  // The list page follows along too.
  const listPage = await readerContext.newPage();
  await listPage.goto('/incidents?status=open');
  await expectHydrated(listPage);

  // Half a thought in the reader's note box must survive the page redrawing for live updates.
  await reader.getByLabel('Note', { exact: true }).fill('Half-written thought');

  await readerContext.setOffline(true);
  const note = `Written while the reader was offline ${unique('n')}`;
  await expectHydrated(writer);
  await writer.getByLabel('Note', { exact: true }).fill(note);
  await writer.getByRole('button', { name: 'Add note' }).click();
  await expect(writer.locator('.entry-body').getByText(note)).toBeVisible();
  await writer.getByLabel('New status').selectOption({ label: 'Investigating' });
  await writer.getByRole('button', { name: 'Change status' }).click();
  await expect(writer.getByLabel('Status and severity').getByText('Investigating', { exact: true })).toBeVisible();
  await readerContext.setOffline(false);

  await expect(reader.locator('.entry-body').getByText(note)).toHaveCount(1, { timeout: 20_000 });
  await expect(reader.getByLabel('Status and severity').getByText('Investigating', { exact: true })).toBeVisible();
  await expect(listPage.getByRole('row', { name: new RegExp(title) }).getByText('Investigating')).toBeVisible({ timeout: 20_000 });
  expect(await reader.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
  await expect(reader.getByLabel('Note', { exact: true })).toHaveValue('Half-written thought');
  // Errors from the dropped connection itself are expected; nothing else.
  expect(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|EventSource|net::/.test(e))).toEqual([]);
  await context.close();
  await readerContext.close();
});
