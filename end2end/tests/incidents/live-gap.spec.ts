import { test, expect } from '@playwright/test';
import { ADMIN_STATE, expectHydrated, failOnPageErrors, unique } from '../support';

// A page opens its live connection only once its script has run. A change made between the
// server's render and that moment must still reach it: the page connects with the mark it was
// rendered with, and the server tells it what changed since.
test('a change made while a page is still loading its script reaches it without reload', async ({ browser }) => {
  test.setTimeout(60_000);
  const context = await browser.newContext({ storageState: ADMIN_STATE });
  const writer = await context.newPage();
  await writer.goto('/incidents/declare');
  await expectHydrated(writer);
  await writer.getByLabel('Title').fill(unique('Slow script'));
  await writer.getByLabel('Severity').selectOption({ index: 2 });
  await writer.getByRole('button', { name: 'Declare incident' }).click();
  await expect(writer).toHaveURL(/\/incidents\/\d+$/);
  const url = writer.url();

  const readerContext = await browser.newContext({ storageState: ADMIN_STATE });
  // Hold back the page's script until the change has been made.
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  await readerContext.route(/\/pkg\/.*\.js$/, async (route) => {
    await released;
    await route.continue();
  });
  const reader = await readerContext.newPage();
  const errors = failOnPageErrors(reader);
  await reader.goto(url, { waitUntil: 'domcontentloaded' });
  await expect(reader.getByRole('heading', { level: 1 })).toBeVisible();
  await reader.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));

  const note = `Added while the reader was loading ${unique('n')}`;
  await expectHydrated(writer);
  await writer.getByLabel('Note', { exact: true }).fill(note);
  await writer.getByRole('button', { name: 'Add note' }).click();
  await expect(writer.locator('.entry-body').getByText(note)).toBeVisible();
  await expect(reader.locator('.entry-body').getByText(note)).toHaveCount(0);

  release();
  await expectHydrated(reader);
  await expect(reader.locator('.entry-body').getByText(note)).toHaveCount(1, { timeout: 10_000 });
  expect(await reader.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
  expect(errors).toEqual([]);
  await context.close();
  await readerContext.close();
});
