import { test, expect, type Locator, type Page } from '@playwright/test';
import { ADMIN, ADMIN_STATE, addPerson, expectHydrated, failOnPageErrors, signIn, unique } from '../support';

/** Declares an incident, resolves it and starts its post-mortem (owned by the admin); ends on the post-mortem's hydrated page. */
async function startPostMortem(page: Page, title: string): Promise<string> {
  await page.goto('/incidents/declare');
  await expectHydrated(page);
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Severity').selectOption({ index: 1 });
  await page.getByRole('button', { name: 'Declare incident' }).click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expectHydrated(page);
  await page.getByLabel('New status').selectOption({ label: 'Resolved' });
  await page.getByRole('button', { name: 'Change status' }).click();
  await expect(page.getByLabel('Status and severity').getByText('Resolved', { exact: true })).toBeVisible();
  const card = page.getByRole('region', { name: 'Post-mortem' });
  await card.getByLabel('Post-mortem owner').selectOption({ label: ADMIN.name });
  await card.getByRole('button', { name: 'Start post-mortem' }).click();
  await expect(page).toHaveURL(/\/post-mortems\/\d+$/);
  await expectHydrated(page);
  return page.url();
}

/** The table of contents' entry for a section. */
function tocEntry(page: Page, heading: string): Locator {
  const toc = page.getByRole('navigation', { name: 'Sections' });
  return toc.getByRole('listitem').filter({ has: page.getByRole('link', { name: heading, exact: true }) });
}

/** A section's "Edit" fold. */
function editToggle(section: Locator): Locator {
  return section.locator('summary', { hasText: 'Edit' });
}

test('sections fold behind Edit, the contents say which are written, and an unsaved draft comes back', async ({ browser }, testInfo) => {
  test.setTimeout(120_000);
  const context = await browser.newContext({ storageState: ADMIN_STATE });
  const page = await context.newPage();
  const errors = failOnPageErrors(page);
  await startPostMortem(page, unique('Search outage'));
  const postMortemId = page.url().split('/').pop();

  // Every section shows its text or "Nothing written yet", with its editor folded away.
  await expect(page.locator('details.section-edit[open]')).toHaveCount(0);
  const rootCause = page.getByRole('region', { name: 'Root cause', exact: true });
  await expect(rootCause.getByText('Nothing written yet.')).toBeVisible();
  await expect(rootCause.getByLabel('Root cause', { exact: true })).toBeHidden();
  await expect(editToggle(rootCause)).toBeVisible();

  // The contents: the timeline is pre-filled, the rest is empty.
  await expect(tocEntry(page, 'Timeline')).toContainText('written');
  await expect(tocEntry(page, 'Root cause')).toContainText('empty');
  await expect(tocEntry(page, 'Impact')).toContainText('empty');
  await expect(page.getByRole('navigation', { name: 'Sections' })).toContainText('1 of 7 written');
  await tocEntry(page, 'Root cause').getByRole('link').click();
  await expect(page).toHaveURL(/#section-\d+$/);

  // The Impact section is the impact figures, not a second text editor; no other impact card.
  const impact = page.getByRole('region', { name: 'Impact', exact: true });
  await expect(impact).toContainText('Users affected');
  await expect(impact.getByLabel('Impact', { exact: true })).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Impact figures' })).toHaveCount(0);
  await impact.getByText('Edit impact and owner').click();
  await impact.getByLabel('Users affected').fill('About 800 searchers');
  await impact.getByRole('button', { name: 'Save impact' }).click();
  await expect(impact).toContainText('About 800 searchers');
  await expect(tocEntry(page, 'Impact')).toContainText('written');

  // Edit opens from the keyboard; saving closes the editor and the contents follow.
  await editToggle(rootCause).focus();
  await page.keyboard.press('Enter');
  const rootCauseEditor = rootCause.getByLabel('Root cause', { exact: true });
  await expect(rootCauseEditor).toBeVisible();
  await rootCauseEditor.fill('An index rebuild held a lock the queries waited on.');
  await rootCause.getByRole('button', { name: 'Save section' }).click();
  await expect(rootCause.locator('.entry-body').first()).toContainText('held a lock');
  await expect(rootCause.getByLabel('Root cause', { exact: true })).toBeHidden();
  await expect(tocEntry(page, 'Root cause')).toContainText('written');
  await expect(tocEntry(page, 'Root cause')).not.toContainText('draft');
  await expect(page.getByRole('navigation', { name: 'Sections' })).toContainText('3 of 7 written');

  // Typed and not saved: the contents say "draft", and the text outlives a reload.
  const detection = page.getByRole('region', { name: 'Detection', exact: true });
  const draft = `The latency alert fired eight minutes in ${unique('d')}`;
  await editToggle(detection).click();
  await detection.getByLabel('Detection', { exact: true }).fill(draft);
  await expect(tocEntry(page, 'Detection')).toContainText('draft');
  // Kept under the person's own key: nobody else on this browser is offered it.
  const prefix = `quell:pm:${postMortemId}:section:${await sectionId(detection)}:by:`;
  const kept = await page.evaluate((prefix) => Object.keys(localStorage).filter((k) => k.startsWith(prefix)).map((k) => [k, localStorage.getItem(k)]), prefix);
  expect(kept.length).toBe(1);
  expect(kept[0][0]).toMatch(/:by:[1-9]\d*$/);
  expect(kept[0][1]).toBe(draft);
  await page.reload();
  await expectHydrated(page);
  await expect(detection.getByText('You have an unsaved draft from this browser')).toBeVisible();
  await expect(detection.getByLabel('Detection', { exact: true })).toBeVisible();
  await expect(detection.getByLabel('Detection', { exact: true })).toHaveValue('');
  await expect(tocEntry(page, 'Detection')).toContainText('draft');
  await expect(tocEntry(page, 'Detection')).toContainText('empty');
  await testInfo.attach('post-mortem page with a draft offered back', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
  await detection.getByRole('button', { name: 'Restore draft' }).click();
  await expect(detection.getByLabel('Detection', { exact: true })).toHaveValue(draft);
  await expect(detection.getByText('You have an unsaved draft from this browser')).toHaveCount(0);
  await expect(detection.getByLabel('Preview of Detection')).toContainText('eight minutes in');
  await detection.getByRole('button', { name: 'Save section' }).click();
  await expect(detection.locator('.entry-body').first()).toContainText('eight minutes in');
  await expect(tocEntry(page, 'Detection')).toContainText('written');
  await expect(tocEntry(page, 'Detection')).not.toContainText('draft');
  await page.reload();
  await expectHydrated(page);
  await expect(tocEntry(page, 'Detection')).toContainText('written');
  await expect(page.getByText('You have an unsaved draft from this browser')).toHaveCount(0);
  await expect(page.locator('details.section-edit[open]')).toHaveCount(0);

  // A draft can be discarded instead: the section folds back, and it is not offered again.
  const response = page.getByRole('region', { name: 'Response', exact: true });
  await editToggle(response).click();
  await response.getByLabel('Response', { exact: true }).fill('Half a thought');
  await expect(tocEntry(page, 'Response')).toContainText('draft');
  await page.reload();
  await expectHydrated(page);
  await expect(response.getByText('You have an unsaved draft from this browser')).toBeVisible();
  await response.getByRole('button', { name: 'Discard draft' }).click();
  await expect(response.getByText('You have an unsaved draft from this browser')).toHaveCount(0);
  await expect(response.getByLabel('Response', { exact: true })).toBeHidden();
  await expect(tocEntry(page, 'Response')).toContainText('empty');
  await expect(tocEntry(page, 'Response')).not.toContainText('draft');
  await page.reload();
  await expectHydrated(page);
  await expect(page.getByText('You have an unsaved draft from this browser')).toHaveCount(0);

  await testInfo.attach('post-mortem page', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
  expect(errors).toEqual([]);
  await context.close();
});

test('the primary button follows the workflow: Send to review, Approve, Publish', async ({ browser }, testInfo) => {
  test.setTimeout(120_000);
  const adminContext = await browser.newContext({ storageState: ADMIN_STATE });
  const admin = await adminContext.newPage();
  const errors = failOnPageErrors(admin);
  const reviewer = { email: `${unique('rita')}@example.com`, name: unique('Rita'), role: 'responder' as const, password: 'rita passphrase 2026' };
  await admin.goto('/settings/users');
  await expectHydrated(admin);
  await addPerson(admin, reviewer);
  const url = await startPostMortem(admin, unique('Queue backlog'));
  const workflow = admin.getByRole('region', { name: 'Workflow' });
  const primary = workflow.locator('button.primary');

  // Draft without reviewers: sending to review waits for one, and says so.
  const send = workflow.getByRole('button', { name: 'Send to review' });
  await expect(send).toBeDisabled();
  await expect(workflow).toContainText('Add at least one reviewer');
  await expect(primary).toHaveCount(0);
  const review = admin.getByRole('region', { name: 'Review' });
  await review.getByLabel('Reviewer', { exact: true }).selectOption({ label: reviewer.name });
  await review.getByRole('button', { name: 'Add reviewer' }).click();
  await expect(review.getByRole('list', { name: 'Reviewers' })).toContainText(reviewer.name);
  // Draft: "Send to review" is the one primary button of the page.
  await expect(primary).toHaveText('Send to review');
  await expect(send).toBeEnabled();
  await expect(admin.locator('button.primary:visible')).toHaveCount(1);
  await send.click();
  await expect(admin.getByLabel('Status', { exact: true }).getByText('In review', { exact: true })).toBeVisible();

  // In review, for the owner: Publish waits for the approval, with the reason beside it.
  const publish = workflow.getByRole('button', { name: 'Publish', exact: true });
  await expect(publish).toBeDisabled();
  await expect(publish).not.toHaveClass(/primary/);
  await expect(workflow).toContainText('Needs 1 more approval');
  await expect(workflow.getByRole('button', { name: 'Back to draft' })).toBeEnabled();
  await expect(primary).toHaveCount(0);

  // For the reviewer: "Approve" is the primary button.
  const reviewerContext = await browser.newContext();
  const reviewerPage = await reviewerContext.newPage();
  const reviewerErrors = failOnPageErrors(reviewerPage);
  await signIn(reviewerPage, reviewer.email, reviewer.password);
  await reviewerPage.goto(url);
  await expectHydrated(reviewerPage);
  const reviewerWorkflow = reviewerPage.getByRole('region', { name: 'Workflow' });
  await expect(reviewerWorkflow.locator('button.primary')).toHaveText('Approve');
  await expect(reviewerWorkflow.getByRole('button', { name: 'Publish', exact: true })).toHaveCount(0);
  await testInfo.attach('post-mortem page (reviewer, in review)', { body: await reviewerPage.screenshot({ fullPage: true }), contentType: 'image/png' });
  await reviewerWorkflow.getByRole('button', { name: 'Approve' }).click();
  await expect(reviewerWorkflow).toContainText('You approved it.');
  await expect(reviewerWorkflow.locator('button.primary')).toHaveCount(0);

  // The owner's page hears of it: Publish is now the primary button.
  await expect(publish).toBeEnabled();
  await expect(primary).toHaveText('Publish');
  await expect(workflow).toContainText('1 of 1 approval needed to publish');
  await testInfo.attach('post-mortem page', { body: await admin.screenshot({ fullPage: true }), contentType: 'image/png' });
  await publish.click();
  await expect(admin.getByLabel('Status', { exact: true }).getByText('Published', { exact: true })).toBeVisible();
  await expect(workflow.getByRole('button')).toHaveCount(0);

  expect(errors).toEqual([]);
  expect(reviewerErrors).toEqual([]);
  await adminContext.close();
  await reviewerContext.close();
});

/** The id of a section's region (`section-<id>`). */
async function sectionId(section: Locator): Promise<string> {
  const id = await section.getAttribute('id');
  return (id ?? '').replace(/^section-/, '');
}

test('an editor opened but not yet typed in stays open when someone else saves another section', async ({ browser }) => {
  const context = await browser.newContext({ storageState: ADMIN_STATE });
  const page = await context.newPage();
  const errors = failOnPageErrors(page);
  const url = await startPostMortem(page, unique('Open editor'));
  const rootCause = page.getByRole('region', { name: 'Root cause', exact: true });
  await editToggle(rootCause).click();
  await expect(rootCause.getByLabel('Root cause', { exact: true })).toBeVisible();

  // Someone else saves a different section; this page hears of it and reloads its data.
  const otherContext = await browser.newContext({ storageState: ADMIN_STATE });
  const other = await otherContext.newPage();
  await other.goto(url);
  await expectHydrated(other);
  const lessons = other.getByRole('region', { name: 'Lessons learned', exact: true });
  await editToggle(lessons).click();
  await lessons.getByLabel('Lessons learned', { exact: true }).fill('Rehearse the failover every quarter.');
  await lessons.getByRole('button', { name: 'Save section' }).click();
  await expect(lessons.locator('.entry-body').first()).toContainText('Rehearse the failover');

  await expect(page.getByRole('region', { name: 'Lessons learned', exact: true }).locator('.entry-body').first())
    .toContainText('Rehearse the failover');
  await expect(rootCause.getByLabel('Root cause', { exact: true })).toBeVisible();
  expect(errors).toEqual([]);
  await context.close();
  await otherContext.close();
});
