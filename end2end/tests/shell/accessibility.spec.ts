import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { ADMIN_STATE, expectHydrated, mainPages } from '../support';

test.use({ storageState: ADMIN_STATE });

/** Every axe-core rule (WCAG 2.x A and AA, and its best practices) on the page as it is. */
async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`,
  );
}

for (const theme of ['light', 'dark'] as const) {
  test(`the main pages have no accessibility violations in ${theme} mode`, async ({ page }) => {
    test.setTimeout(180_000);
    // The application follows its theme cookie; the public status page the system's scheme.
    await page.emulateMedia({ colorScheme: theme });
    await page.goto('/settings');
    await expectHydrated(page);
    await page.getByLabel('Theme').selectOption(theme);
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    const found: string[] = [];
    for (const path of [...(await mainPages(page)), '/status', '/status/history']) {
      await page.goto(path);
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      found.push(...(await violations(page)).map((v) => `${path}: ${v}`));
    }
    // Signed out: the sign-in page.
    const context = await page.context().browser()!.newContext({ storageState: { cookies: [], origins: [] }, colorScheme: theme });
    const visitor = await context.newPage();
    await visitor.goto('/login');
    found.push(...(await violations(visitor)).map((v) => `/login: ${v}`));
    await context.close();
    expect(found, found.join('\n')).toEqual([]);
  });
}
