import { test, expect, type Page } from '@playwright/test';
import { ADMIN_STATE, expectHydrated, failOnPageErrors, unique } from '../support';

test.use({ storageState: ADMIN_STATE, viewport: { width: 390, height: 844 } });

async function declare(page: Page, title: string): Promise<void> {
  await page.goto('/incidents/declare');
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Severity').selectOption({ index: 3 });
  await page.getByRole('button', { name: 'Declare incident' }).click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
}

test('on a phone the navigation is a menu, the filters fold away and rows wrap', async ({ page }, testInfo) => {
  const errors = failOnPageErrors(page);
  const title = unique('Phone list');
  await declare(page, title);
  await page.goto('/incidents');
  await expectHydrated(page);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav).toBeHidden();
  // The header keeps to one row.
  const header = await page.getByRole('banner').boundingBox();
  expect(header!.height).toBeLessThan(70);

  // The filters are folded behind one button; the list comes right after it.
  const filters = page.locator('summary', { hasText: /^Filters/ });
  await expect(filters).toHaveText('Filters');
  await expect(page.getByLabel('Severity')).toBeHidden();
  const row = page.getByRole('row').filter({ hasText: title });
  // Folded, the filters take a few lines, not a screen and a half: the list follows them.
  const form = await page.getByRole('form', { name: 'Filter incidents' }).boundingBox();
  expect(form!.height, 'the folded filters').toBeLessThan(220);
  const table = await page.locator('.incidents-table').boundingBox();
  expect(table!.y - (form!.y + form!.height), 'the list right after the filters').toBeLessThan(120);
  // Rows wrap: the title on its own line, the commander and the time under it, nothing cut off.
  const titleBox = await row.locator('th').boundingBox();
  const commander = await row.locator('td[data-label="Commander"]').boundingBox();
  expect(commander!.y, 'the commander wraps under the title').toBeGreaterThanOrEqual(titleBox!.y + titleBox!.height - 1);
  const cells = row.locator('td');
  for (let i = 0; i < (await cells.count()); i++) {
    const box = await cells.nth(i).boundingBox();
    expect(box!.x + box!.width, `cell ${i} fits the screen`).toBeLessThanOrEqual(390);
  }
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await testInfo.attach('incidents list at phone width', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });

  // Opening the filters and applying one says how many are in force.
  await filters.click();
  await page.getByLabel('Drills').selectOption('false');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(/drill=false/);
  await expect(page.locator('summary', { hasText: /^Filters/ })).toHaveText('Filters (1)');

  // The menu opens, navigates on the client and closes behind itself.
  await page.getByRole('button', { name: 'Menu' }).click();
  await expect(nav).toBeVisible();
  await expect(page.getByRole('link', { name: 'Your profile: Frances Admin' })).toBeVisible();
  await nav.getByRole('link', { name: 'On-call' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'On-call' })).toBeVisible();
  await expect(nav).toBeHidden();
  // Escape closes it too.
  await page.getByRole('button', { name: 'Menu' }).click();
  await expect(nav).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(nav).toBeHidden();
  expect(errors).toEqual([]);
});

test('the phone menu opens without JavaScript', async ({ browser }) => {
  const context = await browser.newContext({ storageState: ADMIN_STATE, javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto('/incidents');
  await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Post-mortems' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Post-mortems' })).toBeVisible();
  await context.close();
});
